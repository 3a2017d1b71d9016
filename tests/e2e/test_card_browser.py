"""The model card in Chromium with networking cut: the shape-flow plot still draws (plotly.js is inlined)."""

from __future__ import annotations

import pytest

from alexnet_core.figures import card
from alexnet_core.spec import presets
from tests.e2e import harness

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not harness.browser_available(), reason="needs Debian chromium + playwright")]


def test_card_draws_offline(tmp_path):
    path = tmp_path / "card.html"
    path.write_text(card.card_for(presets.get("paper2012").spec, 227), encoding="utf-8")
    fetched: list[str] = []
    with harness.browser_page() as page:
        page.context.set_offline(True)

        def block(route) -> None:
            fetched.append(route.request.url)
            route.abort()

        page.route("http*://**/*", block)  # anything not on disk would fail, and be listed
        page.goto(path.as_uri())
        page.wait_for_selector(f"#{card.PLOT_ID} svg.main-svg", state="attached")
        # The chart has drawn its data: one bar per conv/pool step plus the input.
        assert page.locator(f"#{card.PLOT_ID} .barlayer .point").count() >= 2
        assert page.locator("table tr").count() >= 10
        harness.screenshot(page, "model_card_offline")
    assert fetched == []
