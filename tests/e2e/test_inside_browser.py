"""A real browser on /inside: deep link first, pick a layer, see the grid, click a unit, upload junk."""

import re

import pytest

from alexnet_core.arch.shapes import trace
from alexnet_core.inside.activations import rf_box
from alexnet_core.spec import presets
from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def captions(page) -> str:
    return " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())


def test_deep_link_pick_layer_click_unit_and_bad_upload(tmp_path):
    with harness.streamlit_server() as url, harness.browser_page(height=1600) as page:
        page.goto(f"{url}/inside?variant=torchvision&size=224")  # a deep link on a fresh server
        page.wait_for_selector("[data-testid='stPlotlyChart'] .heatmaplayer, [data-testid='stPlotlyChart'] .hm")
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert "most active of 64 channels" in captions(page)

        page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first.click()
        page.get_by_role("option", name="conv2", exact=True).click()
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")]"
                               ".some(c => c.innerText.includes('most active of 192 channels'))")
        harness.wait_idle(page)
        grid = page.locator("svg[aria-label^='feature maps']")
        grid.scroll_into_view_if_needed()
        labels = [t for t in grid.locator("text").all_text_contents() if t.startswith("ch ")]
        assert len(labels) == 16  # the tile labels of the 16 maps
        assert "each 27×27" in captions(page)

        # click a unit near the top-left of the enlarged channel: its receptive field moves there
        chart = page.locator("[data-testid='stPlotlyChart']").first  # the enlarged channel
        chart.scroll_into_view_if_needed()
        dot = chart.locator(".scatterlayer .point").nth(1).bounding_box()  # unit (0, 1)
        page.mouse.move(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
        page.mouse.click(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")]"
                               ".some(c => c.innerText.includes('y 0–'))", timeout=30_000)
        harness.wait_idle(page)
        m = re.search(r"Pixels x (\d+)–(\d+), y 0–(\d+)\.", captions(page))
        box = rf_box(trace(presets.get("torchvision").spec, 224), "conv2", 0, 1)  # the unit clicked
        assert m and (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (box.x0, box.x1, box.y1), captions(page)
        assert page.get_by_label("Unit column").input_value() == "1"
        harness.screenshot(page, "inside_conv2")

        # a new layer starts on its centre unit: the old layer's click is not replayed
        page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first.click()
        page.get_by_role("option", name="conv3", exact=True).click()
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")]"
                               ".some(c => c.innerText.includes('most active of 384 channels'))")
        harness.wait_idle(page)
        assert page.get_by_label("Unit row").input_value() == "6" and page.get_by_label("Unit column").input_value() == "6"

        # a file that is not an image: one clear sentence, no traceback
        page.locator("[data-testid='stSelectbox']").filter(has_text="Image").first.click()
        page.get_by_role("option", name="upload an image…").click()
        page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached")
        bad = tmp_path / "notes.png"
        bad.write_bytes(b"this is not a picture" * 20)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
        page.wait_for_selector("[data-testid='stAlertContentError']")
        assert "not a PNG, JPEG or WebP image" in page.locator("[data-testid='stAlertContentError']").inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "inside_bad_upload")
