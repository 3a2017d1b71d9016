"""A real browser: deep link to /export, export, download the file, check what arrived."""

import hashlib

import pytest

from alexnet_core.export.checks import check_bytes
from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def test_deep_link_export_and_download(tmp_path):
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/export?variant=small_input&size=64")  # a deep link on a fresh server
        page.get_by_role("button", name="Export and check").wait_for()
        harness.wait_idle(page)
        page.get_by_role("button", name="Export and check").click()
        download_button = page.locator("[data-testid='stDownloadButton'] button")
        download_button.wait_for(timeout=120_000)
        harness.wait_idle(page)
        page.locator("[data-testid='stGraphVizChart'] svg").wait_for()
        assert page.locator("[data-testid='stException']").count() == 0
        assert "All checks passed" in page.locator("[data-testid='stAlertContentSuccess']").inner_text()
        shown_sha = page.locator("[data-testid='stCode'] code").inner_text().strip()
        harness.screenshot(page, "export_small_input")
        page.locator("[data-testid='stGraphVizChart']").scroll_into_view_if_needed()
        assert "LogSoftmax" in page.locator("[data-testid='stGraphVizChart']").inner_text()
        harness.screenshot(page, "export_small_input_graph")

        with page.expect_download(timeout=120_000) as info:
            download_button.click()
        download = info.value
        assert download.suggested_filename == "small_input_64px_opset17.onnx"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        data = target.read_bytes()
        assert hashlib.sha256(data).hexdigest() == shown_sha
        report = check_bytes(data)  # verify on what arrived: spec and weights come from the file itself
        assert report.passed and report.max_abs_diff is not None and report.max_abs_diff <= report.parity_bound
        assert report.output_shape == (1, 10)
