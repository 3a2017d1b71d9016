"""The shared sidebar: variant, input size, input channels, classes, and whether the spec is edited."""

from __future__ import annotations

from functools import lru_cache

import streamlit as st

from alexnet_core.arch.shapes import describe_range, valid_range
from alexnet_core.spec import presets
from alexnet_core.spec.parse import LIMITS
from alexnet_core.spec.types import ArchSpec
from ui import charts, nav, runtime, state
from ui.state import KEYS


def render() -> None:
    state.seed_widgets()
    with st.sidebar:
        nav.render_links()
        st.selectbox(
            "AlexNet variant",
            presets.ids(),
            key=KEYS["variant"],
            format_func=lambda vid: presets.get(vid).title,
            on_change=state.sync,
            args=("variant",),
        )
        v = presets.get(state.config().variant)
        if state.is_edited():
            st.markdown(f"**{state.spec_label()}**: changed in the Layer Lab")
        st.caption(v.note)
        problem = st.session_state.pop("url_problem", None)
        if problem:
            st.warning(problem, icon=":material/link_off:")
        st.number_input("Input size (px, square)", 1, state.MAX_SIDE, step=1, key=KEYS["size"],
                        on_change=state.sync, args=("size",),
                        help="Height and width of the input image.")
        c1, c2 = st.columns(2)
        c1.number_input("In-channels", *LIMITS["in_channels"], step=1, key=KEYS["in_ch"], on_change=state.sync, args=("in_ch",))
        c2.number_input("Classes", *LIMITS["num_classes"], step=1, key=KEYS["classes"],
                         on_change=state.sync, args=("classes",))
        st.caption(f"This spec {_range_text(state.current_spec())}.")
        charts.format_setting()
    state.mirror_to_url()


@lru_cache(maxsize=256)
def _range_text(spec: ArchSpec) -> str:
    return describe_range(valid_range(spec))


def page_setup() -> state.Config:
    """Call first on every page: renders the sidebar unless app.py already did this run."""
    runtime.configure_once()
    if not st.session_state.pop("_shell_rendered", False):
        # Run without app.py (a deep link on a fresh server): set up what app.py would have.
        nav.set_page_config()
        render()
    return state.config()
