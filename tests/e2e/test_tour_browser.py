"""The tour in Chromium: a deep link on a fresh server, every step with no exception, the clicker keys
(PageDown, PageUp) move between steps, and in presentation mode at 1920×1080 no step needs scrolling
(Streamlit scrolls its main container, so that container is measured). One screenshot per step."""

import pytest

from tests.e2e import harness
from ui.tour.steps import STEPS

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]

HEADING = "[data-testid='stMain'] h3"
# The element that scrolls: the main section (stMain) in Streamlit 1.67; its scroll height against its height.
OVERFLOW = """() => {
    const els = [document.querySelector("[data-testid='stMain']"),
                 document.querySelector("[data-testid='stAppViewContainer']"), document.scrollingElement];
    return els.filter(Boolean).map(e => e.scrollHeight - e.clientHeight);
}"""


def wait_step(page, n: int) -> None:
    page.wait_for_function("([sel, t]) => [...document.querySelectorAll(sel)].some(h => h.innerText.includes(t))",
                           arg=[HEADING, f"Step {n} of {len(STEPS)}"])
    harness.wait_idle(page)


def test_keys_move_between_steps_and_every_step_renders():
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/tour?step=1")  # deep link on a fresh server
        wait_step(page, 1)
        page.locator("h1").first.click()  # focus the page, not a slider
        page.keyboard.press("PageDown")
        wait_step(page, 2)
        assert "step=2" in page.url
        page.keyboard.press("PageUp")
        wait_step(page, 1)
        for n in range(2, len(STEPS) + 1):
            page.goto(f"{url}/tour?step={n}")
            wait_step(page, n)
            assert page.locator("[data-testid='stException']").count() == 0, f"step {n}"


def test_presentation_mode_fits_every_step_at_1920x1080():
    with harness.streamlit_server() as url, harness.browser_page(1920, 1080) as page:
        for n in range(1, len(STEPS) + 1):
            page.goto(f"{url}/tour?step={n}&present=1")
            wait_step(page, n)
            page.wait_for_timeout(300)  # charts settle their height
            assert page.locator("[data-testid='stException']").count() == 0, f"step {n}"
            assert not page.locator("[data-testid='stSidebar']").is_visible()
            size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                                 "\"[data-testid='stMain'] [data-testid='stMarkdownContainer'] p\")).fontSize)")
            assert size >= 22
            overflow = page.evaluate(OVERFLOW)
            page.screenshot(path=str(harness.screenshot_path(f"tour_present_step_{n:02d}")))
            assert max(overflow) <= 1, f"step {n} needs scrolling: {overflow}"
