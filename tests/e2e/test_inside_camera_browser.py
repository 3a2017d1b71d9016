"""A real browser on /inside with Chromium's fake camera: deep link first, take a photo, every view follows it."""

import re

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def texts(page, testid: str) -> str:
    return " ".join(page.locator(f"[data-testid='{testid}']").all_inner_texts())


def test_deep_link_then_a_camera_photo_feeds_the_feature_maps():
    with harness.streamlit_server() as url, harness.browser_page(height=1400, extra_args=harness.FAKE_CAMERA_ARGS) as page:
        page.goto(f"{url}/inside?variant=torchvision&size=224")  # a deep link on a fresh server
        page.wait_for_selector("[data-testid='stPlotlyChart']")
        harness.wait_idle(page)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Image").first.click()
        page.get_by_role("option", name="camera: take a photo…").click()
        page.wait_for_selector("[data-testid='stCameraInput']")
        harness.wait_idle(page)
        assert "https or from localhost" in texts(page, "stCaptionContainer")
        assert page.locator("[data-testid='stAlertContentWarning']").count() == 0  # 127.0.0.1: allowed
        assert page.locator("[data-testid='stPlotlyChart']").count() == 0  # nothing before the photo

        take = page.get_by_role("button", name=re.compile("Take photo", re.I))
        take.wait_for(timeout=60_000)  # the fake device's stream has started
        harness.screenshot(page, "inside_camera_before")
        take.click()
        page.wait_for_selector("[data-testid='stPlotlyChart'] .heatmaplayer, [data-testid='stPlotlyChart'] .hm",
                               timeout=90_000)
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        assert "most active of 64 channels" in texts(page, "stCaptionContainer")

        page.get_by_text("Preprocessing: before and after").click()
        page.wait_for_function("() => document.body.innerText.includes('resize ')")
        m = re.search(r"original (\d+)×(\d+)", texts(page, "stImage") + " " + page.inner_text("body"))
        assert m and int(m.group(1)) >= 64 and int(m.group(2)) >= 64, "the camera frame was not used"

        page.locator("[data-testid='stRadio']").filter(has_text="Prediction").first.get_by_text("Prediction").click()
        page.wait_for_selector("[data-testid='stDataFrame']")
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "inside_camera_photo")
