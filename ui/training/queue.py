"""The classroom's queue limits at the Start button: this session's runs and everyone's, waiting or running.

The session's own run ids live in session state (``tr_mine``); the store says which of them are still
active. ``guard.limits.queue_problem`` holds the numbers and the sentence.
"""

from __future__ import annotations

import streamlit as st

from alexnet_core.guard.limits import queue_problem
from alexnet_core.training.store import ACTIVE, Store

KEY = "tr_mine"


def refusal(store: Store) -> str | None:
    """Why this session may not queue one more run now, or None."""
    active = {r.id for r in store.list(ACTIVE)}
    mine = [rid for rid in st.session_state.get(KEY, []) if rid in active]
    st.session_state[KEY] = mine  # finished runs leave the count (and the list stays short)
    return queue_problem(len(mine), len(active))


def remember(run_id: int) -> None:
    st.session_state[KEY] = [*st.session_state.get(KEY, []), run_id]
