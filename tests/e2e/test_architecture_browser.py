"""A real browser against `streamlit run app.py`: deep link first, then change the variant."""

import csv

import pytest

from alexnet_core.spec import presets
from tests.e2e import harness
from ui import cache

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def grid_text(page) -> str:
    """The layer table's cell text (a plain HTML table)."""
    return " ".join(page.locator(".ax-table td").all_text_contents())


def test_deep_link_then_change_variant(tmp_path):
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/architecture?variant=torchvision&size=224")  # a deep link on a fresh server
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        page.wait_for_function(
            "() => document.querySelector(\"[data-testid='stMetricValue']\")?.innerText === '61,100,840'")
        page.wait_for_function(
            "() => [...document.querySelectorAll(\".ax-table td\")].some(td => td.innerText === 'conv1')")
        cells = grid_text(page)
        assert "conv1" in cells and "64×55×55" in cells and "lrn1" not in cells

        page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
        page.get_by_role("option", name="2012 paper (two towers, LRN)").click()
        page.wait_for_function(
            "() => document.querySelector(\"[data-testid='stMetricValue']\")?.innerText === '60,965,224'")
        harness.wait_idle(page)
        # The metric and the table are separate elements: wait for the table's own redraw too.
        page.wait_for_function(
            "() => [...document.querySelectorAll(\".ax-table td\")].some(td => td.innerText === 'lrn1')")
        assert "lrn1" in grid_text(page)
        assert "variant=paper2012" in page.url and "size=227" in page.url
        harness.screenshot(page, "architecture_paper2012")
        # The CSV is made when pressed (not on every rerun), and it is the table on screen.
        page.get_by_text("Files: CSV, model card, PyTorch code").click()  # drawn only while open
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert page.locator("[data-testid='stException']").count() == 0

        page.goto(f"{url}/architecture?variant=unpadded_classic&size=224")
        page.wait_for_selector("[data-testid='stAlertContentError']")
        assert "accepts 227–258 px" in page.locator("[data-testid='stAlertContentError']").inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
    rows = list(csv.DictReader(path.open()))
    summary = cache.summary(presets.get("paper2012").spec, 227)
    assert path.name == "paper2012_227px.csv"
    assert [r["layer"] for r in rows] == [r.name for r in summary.layers]
    assert [int(r["params"]) for r in rows] == [r.params for r in summary.layers]
