"""One conv block's kernel, stride, padding and out channels as one element of plain inputs (dials.js).

Three Streamlit sliders and a number box were a dozen elements that the browser redrew on every change, a
sixth of the Lab's time from key press to screen (BENCHMARKS.md, instant feedback, 2026-12-07). Here a change
sends one trigger, ``edit`` = {field: value, ...} (every edit the server has not answered yet); ``edits`` reads
it back and keeps only known fields with a whole number in their limits, since a browser can send any JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

import streamlit as st

from alexnet_core.spec.parse import LIMITS
from alexnet_core.spec.types import ConvBlock

EVENT = "edit"
REV = "lab_dials_rev"  # raised on every edit the server handles: dials.js then shows the server's values
# field -> (label, the ConvBlock attribute, which is also its LIMITS name, input kind)
FIELDS: dict[str, tuple[str, str, str]] = {
    "k": ("kernel", "kernel", "range"),
    "s": ("stride", "stride", "range"),
    "p": ("padding", "padding", "range"),
    "out": ("out channels", "out_channels", "number"),
}
_HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _mount() -> Callable[..., Any]:
    """Registered on first use, inside a script run (at import, outside one, Streamlit warns)."""
    return st.components.v2.component("ax_lab_dials", js=(_HERE / "dials.js").read_text(encoding="utf-8"),
                                      css=(_HERE / "dials.css").read_text(encoding="utf-8"))


def key(i: int) -> str:
    return f"lab_dials_{i}"


def differs(get: Callable[[ConvBlock], Any], conv: ConvBlock, base: ConvBlock | None) -> bool:
    """A field of ``conv`` that is not the preset's (``base``: the preset's block, None for an added block)."""
    return base is None or get(base) != get(conv)


def data(conv: ConvBlock, base: ConvBlock | None, rev: int = 0) -> dict[str, Any]:
    """What dials.js draws: each field's label, limits, value, and whether it differs from the preset's block."""
    fields = []
    for f, (label, attr, kind) in FIELDS.items():
        lo, hi = LIMITS[attr]
        fields.append({"f": f, "label": label, "min": lo, "max": hi, "value": getattr(conv, attr), "kind": kind,
                       "changed": differs(attrgetter(attr), conv, base)})
    return {"rev": rev, "fields": fields}


def draw(i: int, conv: ConvBlock, base: ConvBlock | None, on_edit: Callable[[], None]) -> None:
    _mount()(key=key(i), data=data(conv, base, st.session_state.get(REV, 0)), on_edit_change=on_edit)


def edits(i: int) -> tuple[list[tuple[str, int]], str | None]:
    """The edits block ``i``'s dials sent this run, as (ConvBlock attribute, value) in a fixed order, or none
    and why, when any part of it cannot be applied. Also marks the edit as answered (``REV``)."""
    ss = st.session_state
    ss[REV] = ss.get(REV, 0) + 1
    state = ss.get(key(i))
    sent = state.get(EVENT) if isinstance(state, dict) else None
    if not isinstance(sent, dict) or not sent or len(sent) > len(FIELDS):
        return [], "Not applied: the control sent something other than fields and whole numbers."
    good, problem = [], None
    for f, (label, attr, _) in FIELDS.items():
        if f not in sent:
            continue
        v = sent[f]
        lo, hi = LIMITS[attr]
        if isinstance(v, bool) or not isinstance(v, int):
            problem = f"Not applied: {label} must be a whole number."
        elif not lo <= v <= hi:
            problem = f"Not applied: {label} must be {lo}–{hi}."
        else:
            good.append((attr, v))
    if any(not isinstance(f, str) or f not in FIELDS for f in sent):
        problem = "Not applied: the control sent something other than fields and whole numbers."
    return ([], problem) if problem else (good, None)  # all of it or nothing
