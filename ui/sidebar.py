"""The shared sidebar: variant, input size, input channels, classes, and whether the spec is edited.

The two lines that follow the spec (the "✎ Edited" label and the valid-range caption) sit in
st.empty slots, so a page's fragment, whose reruns leave the sidebar alone, can redraw them
(``after_fragment``) without a whole-page rerun.
"""

from __future__ import annotations

from functools import lru_cache

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from alexnet_core.arch.shapes import describe_range, valid_range
from alexnet_core.spec import presets
from alexnet_core.spec.parse import LIMITS
from alexnet_core.spec.types import ArchSpec
from ui import charts, nav, present, runtime, state
from ui.state import KEYS

SLOTS = "_sidebar_slots"


def render() -> None:
    state.seed_widgets()
    present.apply()
    with st.sidebar:
        nav.render_links()
        present.toggle()
        st.selectbox(
            "AlexNet variant",
            presets.ids(),
            key=KEYS["variant"],
            format_func=lambda vid: presets.get(vid).title,
            on_change=state.sync,
            args=("variant",),
        )
        v = presets.get(state.config().variant)
        edited = st.empty()
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
        valid = st.empty()
        charts.format_setting()
        st.session_state[SLOTS] = (edited, valid)
    draw_status()
    state.mirror_to_url()


def draw_status() -> None:
    """The sidebar's lines that depend on the spec, drawn into their slots."""
    slots = st.session_state.get(SLOTS)
    if slots is None:
        return
    edited, valid = slots
    if state.is_edited():
        edited.markdown(f"**{state.spec_label()}**: changed in the Layer Lab")
    else:
        edited.empty()
    valid.caption(f"This spec {_range_text(state.current_spec())}.")


def after_fragment() -> None:
    """Call at the end of a page fragment that can change the spec: a fragment rerun redraws the sidebar's
    spec lines and the URL; a change the sidebar's widgets must show (a fix's input size, an uploaded
    spec's channels) reruns the whole page instead."""
    rerun = in_fragment_rerun()
    if rerun and state.widgets_stale():
        st.rerun(scope="app")
    draw_status()  # on a whole-page run too: Streamlit lets a fragment refill only the slots it filled then
    if rerun:
        state.mirror_to_url()


def in_fragment_rerun() -> bool:
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


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
