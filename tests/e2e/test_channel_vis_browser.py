"""A real browser on /inside: deep link first, turn on "what this channel wants", see the picture beside
the channel and its receptive field, pick another channel, and the picture follows."""

import re

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def captions(page) -> str:
    return " ".join(page.locator("[data-testid='stCaptionContainer']").all_inner_texts())


def wait_caption(page, needle: str, timeout: int = 120_000) -> None:
    page.wait_for_function("(n) => [...document.querySelectorAll(\"[data-testid='stCaptionContainer']\")]"
                           ".some(c => c.innerText.includes(n))", arg=needle, timeout=timeout)


def test_deep_link_turn_on_the_channel_picture_and_switch_channel():
    with harness.streamlit_server() as url, harness.browser_page(height=1400) as page:
        page.goto(f"{url}/inside?variant=torchvision&size=128")  # a deep link on a fresh server
        page.wait_for_selector("[data-testid='stPlotlyChart'] .heatmaplayer, [data-testid='stPlotlyChart'] .hm")
        harness.wait_idle(page)
        assert "steps of gradient ascent" in captions(page)  # off: it says what it would do

        page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first.click()
        page.get_by_role("option", name="relu2", exact=True).click()
        wait_caption(page, "most active of 192 channels")
        harness.wait_idle(page)
        page.get_by_text("What this channel wants").click()
        try:  # the bar is there for the whole run; looked at in the screenshot, not relied on
            page.wait_for_selector("[data-testid='stProgress']", timeout=5_000)
            harness.screenshot(page, "channel_vis_progress")
        except Exception:
            pass
        wait_caption(page, "256 steps of gradient ascent with jitter")
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[data-testid='stAlertContentError']").count() == 0
        assert page.locator("[data-testid='stPlotlyChart']").count() == 1  # the enlarged channel
        ch = page.get_by_label("Channel", exact=True).input_value()
        picture = page.locator(f"svg[aria-label='what relu2 channel {ch} wants']")  # inline, as the RF is
        picture.scroll_into_view_if_needed()
        assert picture.locator("image").count() == 1 and picture.locator("rect").count() == 1  # with the unit's box
        m = re.search(r"Mean activation ([\d.e+-]+) \(([\d.]+)× this image's", captions(page))
        assert m and float(m.group(2)) >= 1, captions(page)
        harness.screenshot(page, "channel_vis_relu2")

        # another channel: its own picture
        box = page.get_by_label("Channel", exact=True)
        box.fill(str(int(ch) + 1))
        box.press("Enter")
        page.wait_for_function("(n) => [...document.querySelectorAll('svg[aria-label]')]"
                               ".some(c => c.getAttribute('aria-label') === n)", arg=f"what relu2 channel {int(ch) + 1} wants",
                               timeout=120_000)
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0

        # fewer steps from the Settings popover: a new picture, said so in its caption
        page.get_by_role("button", name=re.compile("Settings")).click()
        steps = page.get_by_label("Steps", exact=True)
        steps.fill("32")
        steps.press("Enter")
        wait_caption(page, "after 32 steps of gradient ascent")
        harness.wait_idle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        harness.screenshot(page, "channel_vis_settings")
