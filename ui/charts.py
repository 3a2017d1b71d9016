"""The two ways a page shows a chart, both saving PNG at twice their size or SVG, as one
session-wide sidebar switch ("Chart download format") says.

- ``show``: a plotly chart, for what needs zoom, hover or a colour scale; its toolbar camera saves it
  (plotly's own export, in the browser). plotly's toolbar offers one image format per chart and takes no
  custom button from Python, hence the one switch for every chart on every page.
- ``inline``: a ``Scene`` (alexnet_core/figures/scene.py) as inline SVG, for the charts a slider or the
  sidebar redraws on every change: the browser draws it in about a millisecond, where plotly.js took
  40-60 ms a change (BENCHMARKS.md, instant feedback). ``download`` saves it in the switch's format,
  made on the server with Pillow when pressed, so it too works offline with no browser export.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from alexnet_core.figures.scene import MIMES, Scene, encode

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


def inline(svg: str) -> None:
    """A scene's inline SVG (``scene.to_svg``, cached by the caller). Through markdown: st.html drops an <svg>."""
    st.markdown(svg, unsafe_allow_html=True)


def _file(make: Callable[[], Scene], fmt: str) -> bytes:
    return encode(make(), fmt, SCALE)[0]  # type: ignore[arg-type]


def download(make: Callable[[], Scene], label: str, *, name: str, key: str) -> None:
    """A button saving an inline chart in the session's format; the file is made only when pressed
    (a PNG takes Pillow 30-110 ms)."""
    fmt = current_format()
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] or "chart"  # a spec's name is whatever a user typed
    st.download_button(f"{label} ({fmt.upper()})", partial(_file, make, fmt), file_name=f"{name}.{fmt}",
                       mime=MIMES[fmt], on_click="ignore", icon=":material/image:", key=key)


def _keep() -> None:
    st.session_state[KEY] = st.session_state.get(WIDGET) or "PNG"


def format_setting() -> None:
    """The sidebar switch (PNG/SVG) that every chart's camera and every inline chart's download follow."""
    ss = st.session_state
    ss[WIDGET] = ss.get(KEY, "PNG")
    st.segmented_control("Chart download format", list(FORMATS), key=WIDGET, on_change=_keep,
                         help=f"Charts save in this format (PNG at {SCALE}× their size), offline: an interactive "
                              "chart through the camera in its toolbar; the Architecture and Layer Lab charts "
                              "through their buttons under Files on those pages.")
