"""A real browser on the Layer Lab: deep link on a fresh server, move a slider, see the table and the URL
change, reopen the URL in a new session and get the same network."""

import pytest
from playwright.sync_api import expect

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def grid_text(page) -> str:
    return " ".join(page.locator(".ax-table td").all_text_contents())


def wait_cell(page, text: str, table: str = ".ax-table") -> None:
    """Wait for a cell reading ``text`` in the layer table (or the data grid ``table``: its accessibility cells)."""
    page.wait_for_function(
        "([t, sel]) => [...document.querySelectorAll(sel + ' td')].some(td => td.innerText === t)",
        arg=[text, table])


def dial(page, label: str):
    """A Layer Lab dial (ui/lab/dials.js): a native input named by its field; Playwright's CSS pierces the
    component's shadow root."""
    return page.locator(f"input[aria-label='{label}']").first


def test_slider_changes_table_and_url_and_the_url_reopens_the_network():
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/layer_lab?variant=torchvision&size=224")  # deep link on a fresh server
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        wait_cell(page, "64×55×55")
        assert "spec=" not in page.url

        value_input = dial(page, "stride")
        assert value_input.input_value() == "4"
        track = value_input.bounding_box()
        thumb_px = 16  # Chromium's range thumb
        step_px = (track["width"] - thumb_px) / 15  # values 1..16
        x, y = track["x"] + thumb_px / 2 + 3 * step_px, track["y"] + track["height"] / 2  # on the thumb at 4
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 1.2 * step_px, y, steps=10)  # drag the thumb about one step left
        page.mouse.up()
        page.wait_for_function("() => window.location.search.includes('spec=v1.')")
        harness.wait_idle(page)
        value = int(value_input.input_value())
        assert value < 4
        side = (224 + 4 - 11) // value + 1
        wait_cell(page, f"64×{side}×{side}")
        assert "✎" in grid_text(page)
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "layer_lab_after_drag")
        link = page.url

        page.goto("about:blank")
        page.goto(link)  # a new session from the URL alone
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        wait_cell(page, f"64×{side}×{side}")
        expect(dial(page, "stride")).to_have_value(str(value))
        assert "✎ Edited (from torchvision)" in page.locator("[data-testid='stMain']").inner_text()

        page.get_by_role("tab", name="Convolution arithmetic").click()
        page.wait_for_selector("text=Padding adds")
        harness.wait_idle(page)
        harness.screenshot(page, "layer_lab_arithmetic")
        assert page.locator("[data-testid='stException']").count() == 0

        # The edited spec is the session's spec: the Compare page offers it next to the presets.
        page.locator("[data-testid='stSidebar'] a").filter(has_text="Compare").click()
        page.wait_for_selector("[data-testid='stDataFrame']")
        harness.wait_idle(page)
        wait_cell(page, "paper2012", "[data-testid='stDataFrame']")
        harness.screenshot(page, "compare_default")
        assert page.locator("[data-testid='stException']").count() == 0


def test_a_fragment_rerun_keeps_the_sidebar_and_the_url_in_step():
    """The Lab reruns as a fragment; the sidebar's "✎ Edited" line, its valid-range caption and the URL are
    drawn outside it and must still follow the spec (and drop back on Reset)."""
    from dataclasses import replace

    from alexnet_core.arch.shapes import describe_range, valid_range
    from alexnet_core.spec import presets

    base = presets.get("torchvision").spec
    edited = replace(base, convs=(replace(base.convs[0], stride=3),) + base.convs[1:])
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/layer_lab?variant=torchvision&size=224")
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert f"This spec {describe_range(valid_range(base))}." in sidebar.inner_text()
        assert "Edited" not in sidebar.inner_text()

        dial(page, "stride").focus()
        page.keyboard.press("ArrowLeft")  # 4 -> 3
        page.wait_for_function("() => window.location.search.includes('spec=v1.')")
        harness.wait_idle(page)
        want = f"This spec {describe_range(valid_range(edited))}."
        page.wait_for_function("t => document.querySelector(\"[data-testid='stSidebar']\").innerText.includes(t)",
                               arg=want)
        assert "✎ Edited (from torchvision)" in sidebar.inner_text()
        assert page.locator("[data-testid='stException']").count() == 0

        # The rerun redrew the dials in place: the focus is still on stride, so a second key press goes on.
        page.keyboard.press("ArrowLeft")  # 3 -> 2
        page.wait_for_function("() => [...document.querySelectorAll('.ax-table td')].some(td => td.innerText"
                               " === '64×109×109')")
        expect(dial(page, "stride")).to_have_value("2")

        page.get_by_role("button", name="Reset to the preset").click()
        page.wait_for_function("() => !window.location.search.includes('spec=')")
        harness.wait_idle(page)
        page.wait_for_function("() => !document.querySelector(\"[data-testid='stSidebar']\").innerText"
                               ".includes('Edited')")
        assert f"This spec {describe_range(valid_range(base))}." in sidebar.inner_text()
        expect(dial(page, "stride")).to_have_value("4")  # the dials show the server's values


def test_a_refused_dial_edit_puts_the_servers_value_back():
    """Out channels typed past the parameter budget: the page says why, and the box shows the spec's value
    again (the same data twice would not reach the component; its revision makes it redraw)."""
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/layer_lab?variant=torchvision&size=224")
        page.wait_for_selector(".ax-table")
        harness.wait_idle(page)
        page.get_by_role("radio", name="conv5").or_(page.get_by_role("button", name="conv5")).first.click()
        harness.wait_idle(page)
        box = dial(page, "out channels")
        expect(box).to_have_value("256")
        box.fill("4096")
        box.press("Enter")
        page.wait_for_selector("text=Not applied")
        expect(box).to_have_value("256")
        assert "spec=" not in page.url and page.locator("[data-testid='stException']").count() == 0
        box.fill("128")  # and the next edit goes through
        box.press("Enter")
        page.wait_for_function("() => window.location.search.includes('spec=v1.')")
        expect(box).to_have_value("128")
