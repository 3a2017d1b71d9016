"""A real browser: a short offline digits run from a deep link on a fresh server; its epoch slider
shows conv1's filters and the probe's maps at the chosen epoch, and the curve marks that epoch."""

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]

# The run's own curves (legend "test acc"): where its epoch marks (dotted lines, one per panel) stand.
MARKS = """() => { const c = [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
    .find(el => el.innerText.includes('test acc'));
    const plot = c && c.querySelector('.js-plotly-plot');
    return plot && plot.layout && plot.layout.shapes ? plot.layout.shapes.map(s => s.x0) : null; }"""
# The maps grid: the chart whose tiles are captioned "ch N".
MAP_TILES = """() => [...document.querySelectorAll("svg[aria-label^='feature maps'] text")]
    .filter(t => /^ch \\d+$/.test(t.textContent)).length"""
FILTER_IMAGE = """() => { const img = [...document.querySelectorAll("[data-testid='stImage'] img")][0];
    return img && img.complete ? img.naturalWidth : 0; }"""


def wait_marks_at(page, epoch: int) -> None:
    page.wait_for_function(f"() => {{ const m = ({MARKS})(); return m && m.length === 2 && m.every(x => x === {epoch}); }}",
                           timeout=60_000)


def test_epoch_slider_shows_filters_and_maps_and_marks_the_curve():
    env = {"ALEXNET_TRAIN_THREADS": "1"}
    with harness.streamlit_server(env) as url, harness.browser_page(height=2600) as page:
        page.goto(f"{url}/training?variant=torchvision&size=64")  # a deep link on a fresh server
        page.wait_for_selector("text=No runs yet")
        harness.wait_idle(page)
        for label, value in (("Epochs", "2"), ("Width ×", "0.125")):  # small enough for a loaded 2-core box
            box = page.get_by_label(label, exact=True)
            box.fill(value)
            box.press("Enter")
            harness.wait_idle(page)
        page.get_by_role("button", name="Start training").click()
        page.wait_for_selector("text=Done: 2 epochs.", timeout=240_000)
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        # The slider follows the newest snapshot: epoch 2, marked on both panels of the curve.
        page.wait_for_selector("text=conv1 filters at epoch 2", timeout=180_000)
        wait_marks_at(page, 2)
        page.wait_for_function(f"() => ({FILTER_IMAGE})() > 0")
        page.wait_for_function(f"() => ({MAP_TILES})() > 0")
        assert page.get_by_text("conv1 maps of the probe image at epoch 2").count() == 1
        harness.screenshot(page, "snapshots_epoch2")

        thumb = page.get_by_role("slider")  # the epoch slider is the page's only slider
        thumb.focus()
        thumb.press("Home")  # to epoch 0: the network before its first step
        page.wait_for_selector("text=conv1 filters at epoch 0", timeout=60_000)
        harness.wait_idle(page)
        wait_marks_at(page, 0)
        page.wait_for_function(f"() => ({FILTER_IMAGE})() > 0")
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "snapshots_epoch0")
