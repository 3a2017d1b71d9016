"""Journeys across pages in a real browser: train, then use that checkpoint on Inside and Export.

Each test starts its own server (a deep link first) with its own runs folder, trains the offline
digits preset for one epoch (width ×0.25, 64 px), and then opens another page in a new session,
as a person following a shared link would. Every wait is for "at least"; nothing is timed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from alexnet_core.spec import presets
from alexnet_core.spec.url import encode
from alexnet_core.training import presets as train_presets
from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]

PRESET = "Offline: digits, Adam lr 0.001"
PRESET_EPOCHS = next(p.config.epochs for p in train_presets.PRESETS.values() if p.title == PRESET)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"ALEXNET_TRAIN_THREADS": "1", "ALEXNET_RUNS_DIR": str(tmp_path / "runs"),
            "ALEXNET_DATA_DIR": str(tmp_path / "data"), "TORCH_HOME": str(tmp_path / "torch_home")}


def no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def choose(page, box: str, option: str) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text=box).first.click()
    page.get_by_role("option", name=option).first.click()
    harness.wait_idle(page)


def train_one_epoch(page, url: str, query: str, network: str | None = None) -> None:
    """The digits preset on the Training page, cut to one epoch; returns when the run is done."""
    page.goto(f"{url}/training?{query}")
    page.wait_for_selector("text=No runs yet")
    harness.wait_idle(page)
    choose(page, "Preset", PRESET)
    box = page.get_by_label("Epochs", exact=True)
    # The preset's callback fills the form (6 epochs) in the rerun that the choice starts. wait_idle() can pass
    # before that rerun reaches the page (the page says "not running" until the server's answer arrives), and
    # a value typed then is overwritten when the preset's form lands: the run trains 6 epochs and "Done: 1
    # epochs." never shows, reload or not. So wait for the preset's own value first.
    expect(box).to_have_value(str(PRESET_EPOCHS), timeout=60_000)
    harness.wait_idle(page)
    if network:
        choose(page, "Network", network)
    box.fill("1")
    box.press("Enter")
    harness.wait_idle(page)
    expect(box).to_have_value("1")
    page.get_by_role("button", name="Start training").click()
    finished = page.locator("[data-testid='stMetric']").filter(has_text="Epochs finished")
    expect(finished).to_contain_text(re.compile(r"\d/1$"), timeout=60_000)  # the run queued is a 1-epoch run
    try:
        page.wait_for_selector("text=Done: 1 epochs.", timeout=300_000)  # ~30 s alone; at least that long
    except PlaywrightTimeout:
        status = page.locator("[data-testid='stProgress'], [data-testid='stAlert']").all_inner_texts()
        raise AssertionError(f"the one-epoch run did not finish; the page shows: {status}") from None
    harness.wait_idle(page)
    no_exception(page)


def open_checkpoint_inside(page, url: str) -> str:
    """Inside with the sidebar on torchvision at 224 px, weights: the newest checkpoint."""
    page.goto(f"{url}/inside?variant=torchvision&size=224")
    page.wait_for_selector("[data-testid='stPlotlyChart']")
    harness.wait_idle(page)
    choose(page, "Weights", "checkpoint (Training page)")
    page.wait_for_selector("text=Using the checkpoint's own spec")
    page.wait_for_selector("[data-testid='stPlotlyChart'] .heatmaplayer, [data-testid='stPlotlyChart'] .hm")
    harness.wait_idle(page)
    no_exception(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    return page.locator("[data-testid='stAlertContentInfo']").first.inner_text()


def captions(page) -> str:
    return " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())


def test_train_then_look_inside_the_checkpoint(env):
    with harness.streamlit_server(env) as url, harness.browser_page(height=2000) as page:
        train_one_epoch(page, url, "variant=torchvision&size=64")
        info = open_checkpoint_inside(page, url)
        assert "torchvision (conv widths 16-48-96-64-64, 3 in, 10 classes)" in info
        assert "trained at 64 px on digits" in info
        assert "most active of 16 channels" in captions(page)  # the checkpoint's conv1, not the sidebar's 64
        harness.screenshot(page, "journey_train_inside")


def test_train_then_export_the_checkpoint_and_verify_it(env, tmp_path):
    with harness.streamlit_server(env) as url, harness.browser_page(height=1600) as page:
        train_one_epoch(page, url, "variant=torchvision&size=64")
        page.goto(f"{url}/export?variant=torchvision&size=224")
        page.get_by_role("button", name="Export and check").wait_for()
        harness.wait_idle(page)
        page.get_by_text("Trained checkpoint").click()
        harness.wait_idle(page)
        page.get_by_role("button", name="Export and check").click()
        download_button = page.locator("[data-testid='stDownloadButton'] button")
        download_button.wait_for(timeout=180_000)
        harness.wait_idle(page)
        no_exception(page)
        assert "trained at 64 px on digits" in page.locator("[data-testid='stAlertContentInfo']").first.inner_text()
        harness.screenshot(page, "journey_train_export")
        with page.expect_download(timeout=120_000) as info:
            download_button.click()
        download = info.value
        assert download.suggested_filename == "torchvision_64px_opset17.onnx"  # the size it was trained at
        target = tmp_path / download.suggested_filename
        download.save_as(target)
    done = subprocess.run([sys.executable, "-m", "alexnet_core", "verify", str(target)], capture_output=True,
                          text=True, cwd=harness.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_edit_in_the_lab_train_the_edit_then_look_inside(env):
    base = presets.get("torchvision").spec
    edited = base.with_(convs=(replace(base.convs[0], stride=2), *base.convs[1:]))  # conv1 stride 4 -> 2
    token = encode(edited)
    with harness.streamlit_server(env) as url, harness.browser_page(height=2000) as page:
        page.goto(f"{url}/layer_lab?variant=torchvision&size=64&spec={token}")  # the edit, as a shared link
        page.wait_for_selector("text=Edited")
        harness.wait_idle(page)
        no_exception(page)
        train_one_epoch(page, url, f"variant=torchvision&size=64&spec={token}", network="This session's spec")
        open_checkpoint_inside(page, url)
        # conv1 at stride 2 on 64 px: (64 + 2·2 − 11) // 2 + 1 = 29 a side (stride 4 would give 15)
        assert "most active of 16 channels (at most 64), each 29×29" in captions(page)
        harness.screenshot(page, "journey_lab_train_inside")
