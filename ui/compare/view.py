"""Compare page widgets: which specs, at which sizes; state kept like the sidebar's (seeded every run)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alexnet_core.arch.compare import Entry
from alexnet_core.spec import presets
from ui import state

SESSION = "session"  # the option standing for the session's (possibly edited) spec
DEFAULT = ["paper2012", "torchvision", "fashion_mnist"]


def _cfg() -> dict[str, object]:
    ss = st.session_state
    if "cmp_cfg" not in ss:
        picked = [p for p in st.query_params.get_all("cmp") if p in presets.ids() or p == SESSION]
        ss["cmp_cfg"] = {"specs": picked or ([SESSION] + DEFAULT[:2] if state.is_edited() else DEFAULT),
                         "own_size": True, "size": state.config().size}
    return ss["cmp_cfg"]


def _sync(name: str) -> None:
    _cfg()[name] = st.session_state[f"cmp_{name}"]


def choose() -> list[Entry]:
    cfg = _cfg()
    ss = st.session_state
    ss["cmp_specs"], ss["cmp_own_size"], ss["cmp_size"] = list(cfg["specs"]), cfg["own_size"], cfg["size"]
    options = [SESSION] + presets.ids()
    label = state.spec_label()
    st.multiselect("Specs to compare (two or more)", options, key="cmp_specs", on_change=_sync, args=("specs",),
                   format_func=lambda o: f"This session: {label}" if o == SESSION else presets.get(o).title)
    c = st.columns([1, 1, 2])
    c[0].toggle("Each at its own input size", key="cmp_own_size", on_change=_sync, args=("own_size",))
    c[1].number_input("Common input size", 1, state.MAX_SIDE, key="cmp_size", on_change=_sync, args=("size",),
                      disabled=bool(cfg["own_size"]))
    if st.query_params.get_all("cmp") != list(cfg["specs"]):
        st.query_params["cmp"] = list(cfg["specs"])
    entries = []
    for o in cfg["specs"]:
        if o == SESSION:
            spec, own, title = state.current_spec(), state.config().size, label
        else:
            v = presets.get(o)
            spec, own, title = v.spec, v.input_size, v.title
        entries.append(Entry(o, spec, own if cfg["own_size"] else int(cfg["size"]), title))
    return entries


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows).convert_dtypes()  # integers stay integers where a layer is missing
