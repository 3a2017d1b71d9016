"""The classroom's queue limits at the Start button: this session's runs and everyone's, waiting or running.

The session's own run ids live in session state (``tr_mine``); the store says which of them are still
active. ``guard.limits.queue_problem`` holds the numbers and the sentence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from alexnet_core.guard.limits import queue_problem
from alexnet_core.training.store import ACTIVE, Store

KEY = "tr_mine"
# Held from the check to the run's row in the store: two tabs pressing Start at once cannot both take the
# last place in the queue. Only the count and the row's insert happen under it (jobs.prepare's checks and
# a backend's connection come first). One per server process: two app processes on one runs folder may
# still overshoot by one.
ADMISSION = threading.Lock()


def refusal(store: Store) -> str | None:
    """Why this session may not queue one more run now, or None."""
    mine, problem = _check(store, st.session_state.get(KEY, []))
    st.session_state[KEY] = mine  # finished runs leave the count (and the list stays short)
    return problem


def _check(store: Store, mine: list[int]) -> tuple[list[int], str | None]:
    """(this session's runs still active, why one more may not be queued now, or None)."""
    active = {r.id for r in store.list(ACTIVE)}
    mine = [rid for rid in mine if rid in active]
    return mine, queue_problem(len(mine), len(active))


def admit(store: Store, mine: list[int], submit: Callable[[], int]) -> int:
    """Queue one run by ``submit`` if the limits allow it, checking and queueing as one step; else
    ValueError with the sentence. ``mine``: this session's run ids."""
    with ADMISSION:
        _, problem = _check(store, mine)
        if problem:
            raise ValueError(problem)
        return submit()


def remember(run_id: int) -> None:
    st.session_state[KEY] = [*st.session_state.get(KEY, []), run_id]
