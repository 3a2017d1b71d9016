"""The one way a page shows a plotly chart: its toolbar camera saves PNG at twice the screen's pixels, or SVG.

plotly's toolbar offers one image format per chart, and a custom toolbar button cannot be added
from Python. So the format is one session-wide setting in the sidebar ("Chart download format"):
a lecturer picks SVG once and every chart's camera saves SVG, on every page, with no second
button next to each chart. The export is plotly's own, in the browser: it works offline and
needs no server-side Chromium. A server-side export (kaleido) is not offered; where kaleido
cannot run, the sidebar says so (found without starting any browser).
"""

from __future__ import annotations

import importlib.util
import shutil
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import streamlit as st

FORMATS = {"PNG": "png", "SVG": "svg"}
SCALE = 2  # twice the on-screen pixels: sharp on a projector slide
KEY = "chart_format"  # the persistent value
WIDGET = "sb_chart_format"  # the sidebar's widget (its state is dropped on a page switch; KEY is not)


def chart_config(fmt: str = "png", name: str = "alexnet_chart") -> dict[str, Any]:
    """plotly's config for one chart: camera button in ``fmt`` at ``SCALE``×, no plotly logo."""
    return {"toImageButtonOptions": {"format": fmt, "scale": SCALE, "filename": name}, "displaylogo": False}


def current_format() -> str:
    return FORMATS.get(st.session_state.get(KEY, "PNG"), "png")


def show(fig: go.Figure, *, key: str, image_only: bool = False, config: dict[str, Any] | None = None,
         **kwargs: Any) -> Any:
    """st.plotly_chart with the house's export settings; the download is named after ``key``.

    ``image_only`` leaves the camera alone in the toolbar (for pictures where zoom and pan only get in
    the way); ``config`` adds plotly settings of the caller's own."""
    cfg = chart_config(current_format(), key)
    if image_only:
        cfg["modeBarButtons"] = [["toImage"]]
    return st.plotly_chart(fig, key=key, config={**cfg, **(config or {})}, **kwargs)


@lru_cache(maxsize=1)
def kaleido_available() -> bool:
    """Whether a server-side export could run: kaleido installed and a Chromium for it to drive."""
    if importlib.util.find_spec("kaleido") is None:
        return False
    return any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome", "chrome"))


def _keep() -> None:
    st.session_state[KEY] = st.session_state.get(WIDGET) or "PNG"


def format_setting() -> None:
    """The sidebar switch (PNG/SVG) every chart's camera button follows."""
    ss = st.session_state
    ss[WIDGET] = ss.get(KEY, "PNG")
    st.segmented_control("Chart download format", list(FORMATS), key=WIDGET, on_change=_keep,
                         help=f"The camera icon in any chart's toolbar saves it in this format (PNG at {SCALE}× "
                              "the screen's pixels), in your browser, offline.")
    if not kaleido_available():
        st.caption("No server-side image export here (kaleido is not installed): the chart toolbar's "
                   "camera saves the image in your browser instead.")
