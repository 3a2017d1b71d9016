"""The page list and the links to it, drawn by the shared sidebar.

The links are ours (st.page_link) rather than st.navigation's menu, so they look the
same when a deep link runs a page file without app.py (see DESIGN.md's trap).
"""

from __future__ import annotations

import streamlit as st

from alexnet_core.paths import ASSETS

# (file, title, icon): the first is the root URL's page; the links list the Tour first (LINK_ORDER).
PAGES: list[tuple[str, str, str]] = [
    ("pages/architecture.py", "Architecture", ":material/account_tree:"),
    ("pages/tour.py", "Tour", ":material/school:"),
    ("pages/layer_lab.py", "Layer Lab", ":material/tune:"),
    ("pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/inside.py", "Inside the network", ":material/visibility:"),
    ("pages/training.py", "Training", ":material/model_training:"),
    ("pages/export.py", "ONNX export", ":material/output:"),
]
TOUR = "pages/tour.py"
LINK_ORDER = [p for p in PAGES if p[0] == TOUR] + [p for p in PAGES if p[0] != TOUR]  # the Tour leads the list


def render_links() -> None:
    for path, title, icon in LINK_ORDER:
        try:
            st.page_link(path, label=title, icon=icon)
        except Exception:  # a page unknown to this run's page registry: skip the link, keep the app
            continue
    st.divider()


def set_page_config() -> None:
    """The browser tab's title and icon and the wide layout: app.py and a page run on its own alike."""
    st.set_page_config(page_title="AlexNet Explorer", page_icon=str(ASSETS / "icon.png"), layout="wide")
