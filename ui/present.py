"""Presentation mode: large type, a clean theme, the sidebar out of the way. One toggle, kept in the
session and mirrored into the URL as ``present=1``, so a reload or a shared link keeps it."""

from __future__ import annotations

import streamlit as st

KEY = "present"
CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"] { display: none !important; }
.stMainBlockContainer, .block-container { padding: 1.2rem 2.5rem 0.5rem 2.5rem !important; max-width: 100% !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 22px !important; line-height: 1.4; }
[data-testid="stCaptionContainer"] { font-size: 18px !important; }
.ax-table table { font-size: 18px !important; }
.stBidiComponent { font-size: 22px !important; }
[data-testid="stMetricValue"] p { font-size: 44px !important; line-height: 1.2; }
h1 { font-size: 2.2rem !important; padding: 0 !important; }
</style>"""


def is_on() -> bool:
    ss = st.session_state
    if KEY not in ss:
        ss[KEY] = st.query_params.get(KEY) == "1"
    return bool(ss[KEY])


def _flip(widget: str) -> None:
    st.session_state[KEY] = bool(st.session_state.get(widget))


def toggle(where: str = "sidebar") -> None:
    """The switch; ``where`` names it (the sidebar has one, the tour's header another, since the
    sidebar is hidden while the mode is on)."""
    widget = f"present_toggle_{where}"
    st.session_state[widget] = is_on()
    st.toggle("Presentation mode", key=widget, on_change=_flip, args=(widget,),
              help="Large type, a clean theme, no sidebar; the link keeps it (present=1).")


def apply() -> None:
    """Every page calls this (through sidebar.page_setup / app.py): style the page when the mode is on."""
    if is_on():
        st.html(CSS)


def mirror(params: dict[str, str]) -> None:
    """Add the mode to the query parameters the URL should carry."""
    if is_on():
        params[KEY] = "1"
