"""Figures for slides in a real browser: every chart saves PNG at 2x, or SVG once the sidebar says so (inline
charts through their Files buttons, plotly charts through their camera); the table copies out as Markdown and
LaTeX; the model card button is there."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]

# plotly keeps each chart's config on its div: the camera button reads toImageButtonOptions from there.
IMAGE_OPTIONS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(gd => gd._context && gd._context.toImageButtonOptions)"""

SVG_EVERYWHERE = """() => {
    const o = [...document.querySelectorAll('.js-plotly-plot')].map(gd => gd._context && gd._context.toImageButtonOptions);
    return o.length >= 1 && o.every(x => x && x.format === 'svg');
}"""


def chart_options(page) -> list[dict]:
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1")
    return page.evaluate(IMAGE_OPTIONS)


def test_architecture_figures_for_slides(tmp_path):
    """The page's charts are inline SVG (drawn in ~1 ms a change); their files come from the Files expander
    in the sidebar switch's format, the card too; the table copies out."""
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/architecture?variant=paper2012&size=227")  # a deep link on a fresh server
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        assert page.locator("svg[role='img']").count() == 2  # the share chart and the per-layer bars
        assert any("60,965,224" in t for t in page.locator("svg[role='img'] title").all_text_contents())
        page.get_by_text("Files: CSV, model card, PyTorch code").click()  # drawn only while open
        with page.expect_download() as dl:  # the card is built only now, on the press
            page.get_by_role("button", name="Download model card (HTML)").click()
        card = Path(dl.value.path()).read_text(encoding="utf-8")
        assert dl.value.suggested_filename.endswith("_card.html")
        assert "60,965,224" in card and "<script src" not in card
        with page.expect_download() as dl:
            page.get_by_role("button", name="Chart: parameters and mult-adds per layer (PNG)").click()
        png = Image.open(dl.value.path())
        assert png.format == "PNG" and png.width >= 1000  # twice the chart's on-screen size

        page.get_by_text("Copy the table for slides: Markdown, LaTeX").click()
        code = page.locator("[data-testid='stCode']").first
        code.wait_for()
        assert "| conv1 | Conv2d | 11/4/0 |" in code.inner_text()
        page.get_by_role("tab", name="LaTeX").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-testid='stCode']\")].some(c => c.innerText.includes('\\\\toprule'))")
        harness.screenshot(page, "architecture_figures_for_slides")

        page.locator("[data-testid='stSidebar'] button", has_text="SVG").click()
        harness.wait_idle(page)
        button = page.get_by_role("button", name="Chart: where parameters and compute go (SVG)")
        button.wait_for()
        with page.expect_download() as dl:
            button.click()
        svg = Path(dl.value.path()).read_text(encoding="utf-8")
        assert dl.value.suggested_filename.endswith(".svg") and svg.startswith("<svg") and "96.2%" in svg
        assert page.locator("[data-testid='stException']").count() == 0


def test_interactive_charts_save_in_the_chosen_format():
    """plotly charts (Inside's) save through their camera: PNG at 2x, or SVG once the sidebar says so."""
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/inside?variant=torchvision&size=224")
        page.wait_for_selector("[data-testid='stPlotlyChart']", timeout=120_000)
        harness.wait_idle(page)
        options = chart_options(page)
        assert all(o["format"] == "png" and o["scale"] == 2 for o in options), options
        page.locator(".js-plotly-plot").first.hover()
        camera = page.locator(".js-plotly-plot .modebar-btn[data-title^='Download plot']").first
        camera.wait_for(state="attached")
        assert "png" in camera.get_attribute("data-title").lower()
        page.locator("[data-testid='stSidebar'] button", has_text="SVG").click()
        harness.wait_idle(page)
        page.wait_for_function(SVG_EVERYWHERE)
        assert all(o["format"] == "svg" and o["scale"] == 2 for o in chart_options(page))
        assert page.locator("[data-testid='stException']").count() == 0
