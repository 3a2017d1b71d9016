"""A real browser on a server with ALEXNET_TRAIN_BACKEND=ray: the page names the backend, and a run
trained by a Ray task (a local Ray the server starts) draws its curve live, as the local one does."""

import pytest

from tests.e2e import harness
from tests.e2e.test_training_browser import curve_points, wait_points

pytest.importorskip("ray")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def test_a_ray_backed_run_draws_its_curve_live(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    env = {"ALEXNET_TRAIN_BACKEND": "ray", "ALEXNET_TRAIN_THREADS": "1"}
    with harness.streamlit_server(env) as url, harness.browser_page(height=2600) as page:
        page.goto(f"{url}/training?variant=torchvision&size=64")  # a deep link on a fresh server
        page.wait_for_selector("text=No runs yet")
        page.wait_for_selector("text=/Backend: Ray, a local Ray on this machine: .* CPUs free/", timeout=90_000)
        harness.wait_idle(page)
        for label, value in (("Epochs", "2"), ("Width ×", "0.125")):
            box = page.get_by_label(label, exact=True)
            box.fill(value)
            box.press("Enter")
            harness.wait_idle(page)
        page.get_by_role("button", name="Start training").click()
        page.wait_for_selector("text=/Running on cpu: epoch/", timeout=180_000)
        page.wait_for_function(  # the runs table names who runs it
            "() => [...document.querySelectorAll(\"[data-testid='stDataFrame'] td\")].some(td => td.innerText === 'ray')",
            timeout=60_000)
        wait_points(page, 4, 180_000)  # one epoch came back through the stream and was drawn without a reload
        assert curve_points(page) >= 4
        harness.screenshot(page, "training_ray_live")
        page.wait_for_selector("text=Done: 2 epochs.", timeout=180_000)
        wait_points(page, 8, 60_000)
        assert curve_points(page) == 8
        assert page.locator("[data-testid='stException']").count() == 0
