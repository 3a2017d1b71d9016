"""One conv block's kernel, stride, padding and out channels as one element of plain inputs (dials.js).

Three Streamlit sliders and a number box were a dozen elements that the browser redrew on every change, a
fifth of the Lab's time from key press to screen (BENCHMARKS.md, instant feedback). Here a change sends one
trigger, ``edit`` = {"f": field, "v": value}; ``edit`` reads it back, and refuses anything but a known field
with an integer in its limits, since a browser can send any JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from alexnet_core.spec.parse import LIMITS
from alexnet_core.spec.types import ConvBlock

EVENT = "edit"
# field -> (label, the limit it obeys, getter, input kind); controls._apply takes the same short names
FIELDS: dict[str, tuple[str, str, Callable[[ConvBlock], int], str]] = {
    "k": ("kernel", "kernel", lambda c: c.kernel, "range"),
    "s": ("stride", "stride", lambda c: c.stride, "range"),
    "p": ("padding", "padding", lambda c: c.padding, "range"),
    "out": ("out channels", "out_channels", lambda c: c.out_channels, "number"),
}
_HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _mount() -> Callable[..., Any]:
    """Registered on first use, inside a script run (at import, outside one, Streamlit warns)."""
    return st.components.v2.component("ax_lab_dials", js=(_HERE / "dials.js").read_text(encoding="utf-8"),
                                      css=(_HERE / "dials.css").read_text(encoding="utf-8"))


def key(i: int) -> str:
    return f"lab_dials_{i}"


def data(conv: ConvBlock, base: ConvBlock | None) -> dict[str, Any]:
    """What dials.js draws: each field's label, limits, value, and whether it differs from the preset's block."""
    fields = []
    for f, (label, limit, get, kind) in FIELDS.items():
        lo, hi = LIMITS[limit]
        fields.append({"f": f, "label": label, "min": lo, "max": hi, "value": get(conv), "kind": kind,
                       "changed": base is None or get(base) != get(conv)})
    return {"fields": fields}


def draw(i: int, conv: ConvBlock, base: ConvBlock | None, on_edit: Callable[[], None]) -> None:
    _mount()(key=key(i), data=data(conv, base), on_edit_change=on_edit)


def edit(i: int) -> tuple[str, int] | str:
    """The change block ``i``'s dials sent this run, as (field, value), or why it cannot be applied."""
    state = st.session_state.get(key(i))
    sent = state.get(EVENT) if isinstance(state, dict) else None
    f = sent.get("f") if isinstance(sent, dict) else None
    v = sent.get("v") if isinstance(sent, dict) else None
    if f not in FIELDS or isinstance(v, bool) or not isinstance(v, int):
        return "Not applied: the control sent something that is not a field and a whole number."
    label, limit, _, _ = FIELDS[f]
    lo, hi = LIMITS[limit]
    if not lo <= v <= hi:
        return f"Not applied: {label} must be {lo}–{hi}."
    return f, v
