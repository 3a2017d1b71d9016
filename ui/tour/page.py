"""The Tour page: one step per screen, its URL ``/tour?step=N``; Next/Back from the buttons or a clicker
(PageDown/PageUp). Steps run on their own spec and size, kept per step in the session, so the user's own
Layer Lab edit (the sidebar's spec) is never touched and is there again on leaving the tour."""

from __future__ import annotations

import streamlit as st

from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec
from ui import present
from ui.tour.steps import STEPS, texts

STEP = "tour_step"


def current() -> int:
    """The step (1-based) from the session, else the URL; a bad ``step=`` is named once and ignored."""
    ss = st.session_state
    if STEP not in ss:
        raw = st.query_params.get("step")
        n = int(raw) if raw is not None and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(STEPS) else None
        if raw is not None and n is None:
            ss["tour_problem"] = f"Ignored from the link: step={raw[:20]!r} is not a step from 1 to {len(STEPS)}."
        ss[STEP] = n or 1
    return int(ss[STEP])


def go(n: int) -> None:
    st.session_state[STEP] = max(1, min(len(STEPS), n))


def _state(n: int) -> tuple[ArchSpec, int]:
    key = f"tour_state_{n}"
    if key not in st.session_state:
        v = presets.get(STEPS[n - 1].variant)
        st.session_state[key] = (v.spec, v.input_size)
    return st.session_state[key]


def _try(n: int) -> None:
    spec, size = _state(n)
    st.session_state[f"tour_state_{n}"] = STEPS[n - 1].try_this(spec, size)
    st.session_state[f"tour_tried_{n}"] = True


def _reset(n: int) -> None:
    st.session_state.pop(f"tour_state_{n}", None)
    st.session_state.pop(f"tour_tried_{n}", None)


def render() -> None:
    n = current()
    st.query_params["step"] = str(n)
    title = texts()[n - 1][0]
    problem = st.session_state.pop("tour_problem", None)
    if problem:
        st.warning(problem, icon=":material/link_off:")
    # One row that wraps on a narrow window rather than squeezing the buttons' labels.
    head = st.container(horizontal=True, vertical_alignment="center", gap="medium")
    with head:
        st.markdown(f"### Step {n} of {len(STEPS)} · {title}", width="content")
        st.button("Back", icon=":material/arrow_back:", key="tour_back", on_click=go, args=(n - 1,),
                  disabled=n == 1, shortcut="PageUp")
        st.button("Next", icon=":material/arrow_forward:", key="tour_next", on_click=go, args=(n + 1,),
                  disabled=n == len(STEPS), shortcut="PageDown")
        present.toggle("tour")
    body(n)


@st.fragment
def body(n: int) -> None:
    """The step's text, its Try this / Back to the start, and its live view: a fragment, so a press redraws
    this and not the sidebar, the navigation and the header (Next and Back rerun the whole page)."""
    step, (_, text) = STEPS[n - 1], texts()[n - 1]
    spec, size = _state(n)
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown(text)
        row = st.container(horizontal=True)
        row.button(f"Try this: {step.try_label}", key=f"tour_try_{n}", on_click=_try, args=(n,),
                   type="primary", icon=":material/science:")
        row.button("Back to the step's start", key=f"tour_reset_{n}", on_click=_reset, args=(n,),
                   disabled=not st.session_state.get(f"tour_tried_{n}"))
        st.caption(f"This step's network: {presets.get(step.variant).title}"
                   f"{' (changed by Try this)' if st.session_state.get(f'tour_tried_{n}') else ''} at {size} px. "
                   "Your own Layer Lab edit and sidebar settings are kept as they are.")
    with right:
        box = st.container(height=760 if present.is_on() else "content", border=False)
        with box:
            step.live(spec, size, presets.get(step.variant).spec)
