"""A real browser on /inside: a long, thin upload (1×20000 px, a few kB) is one sentence, no traceback,
and nothing is resized to gigabytes (the fuzzing's finding, seen on the page)."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def test_a_long_thin_upload_is_refused_in_one_sentence_on_the_page(tmp_path):
    thin = tmp_path / "thin.png"
    Image.new("RGB", (20_000, 1), "red").save(thin)
    with harness.streamlit_server() as url, harness.browser_page(height=1200) as page:
        page.goto(f"{url}/inside?variant=torchvision&size=224")  # a deep link on a fresh server
        page.wait_for_selector("[data-testid='stSelectbox']")
        harness.wait_idle(page)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Image").first.click()
        page.get_by_role("option", name="upload an image…").click()
        page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(thin))
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stAlertContentError']\")]"
                               ".some(c => c.innerText.includes('long and thin'))", timeout=60_000)
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "inside_thin_upload")
