"""The sidebar's configuration: session state is the truth, the URL mirrors it.

Every page calls ``ensure_state()`` first, because a deep link can run a page
file without ``app.py`` (see DESIGN.md): nothing may assume app.py ran.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from alexnet_core import variants
from alexnet_core.spec import ArchSpec, SpecError
from alexnet_core.spec_io import LIMITS, with_io

DEFAULT_VARIANT = "torchvision"
MAX_SIDE = 2048
KEYS = {"variant": "sb_variant", "size": "sb_size", "in_ch": "sb_in_ch", "classes": "sb_classes"}


@dataclass(frozen=True)
class Config:
    variant: str
    size: int
    in_channels: int
    num_classes: int


def _int_param(raw: str | None, lo: int, hi: int) -> int | None:
    try:
        value = int(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and lo <= value <= hi else None


def ensure_state() -> None:
    """First run of a session: take the configuration from the URL, else the defaults."""
    ss = st.session_state
    if "cfg" in ss:
        return
    qp = st.query_params
    vid = qp.get("variant")
    vid = vid if vid in variants.ids() else DEFAULT_VARIANT
    v = variants.get(vid)
    ss["cfg"] = {
        "variant": vid,
        "size": _int_param(qp.get("size"), 1, MAX_SIDE) or v.input_size,
        "in_ch": _int_param(qp.get("in_ch"), *LIMITS["in_channels"]) or v.in_channels,
        "classes": _int_param(qp.get("classes"), *LIMITS["num_classes"]) or v.num_classes,
    }


def seed_widgets() -> None:
    """Widget keys are scratch: Streamlit may drop them (page switches, new widget ids),
    so before each render they are re-seeded from the persistent ``cfg``. Callbacks run
    before the script, so a value the user just changed is already in ``cfg`` here."""
    ensure_state()
    for name, key in KEYS.items():
        st.session_state[key] = st.session_state["cfg"][name]


def sync(name: str) -> None:
    """on_change: copy one widget's value into the persistent configuration."""
    st.session_state["cfg"][name] = st.session_state[KEYS[name]]
    if name == "variant":  # a new preset brings its own input size, channels and classes
        v = variants.get(st.session_state["cfg"]["variant"])
        st.session_state["cfg"].update(size=v.input_size, in_ch=v.in_channels, classes=v.num_classes)


def config() -> Config:
    ensure_state()
    c = st.session_state["cfg"]
    return Config(c["variant"], int(c["size"]), int(c["in_ch"]), int(c["classes"]))


def current_spec() -> ArchSpec:
    """The preset with the sidebar's channels and classes (always valid: widgets are bounded)."""
    cfg = config()
    spec = variants.get(cfg.variant).spec
    try:
        return with_io(spec, in_channels=cfg.in_channels, num_classes=cfg.num_classes)
    except SpecError:
        return spec  # e.g. a grouped conv1 that the chosen channels do not divide


def mirror_to_url() -> None:
    cfg = config()
    wanted = {"variant": cfg.variant, "size": str(cfg.size), "in_ch": str(cfg.in_channels),
              "classes": str(cfg.num_classes)}
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def spec_label() -> str:
    """A short name for ``current_spec()`` that pages show next to their results."""
    cfg = config()
    return variants.get(cfg.variant).title
