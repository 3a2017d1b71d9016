"""The session's configuration and its spec: session state is the truth, the URL mirrors it.

``cfg`` holds the sidebar's values plus ``edit``: the Layer Lab's edited spec (an
ArchSpec) or None while the preset is used unchanged. Every page calls
``sidebar.page_setup()`` first, because a deep link can run a page file without
``app.py`` (see DESIGN.md): nothing may assume app.py ran.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from alexnet_core.spec import presets, url
from alexnet_core.spec.parse import LIMITS, with_io
from alexnet_core.spec.types import UNNAMED, ArchSpec, SpecError
from ui import present

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
    """First run of a session: take the configuration (and an edited spec) from the URL, else the defaults."""
    ss = st.session_state
    if "cfg" in ss:
        return
    qp = st.query_params
    problems: list[str] = []
    vid = qp.get("variant")
    if vid is not None and vid not in presets.ids():
        problems.append(f"variant={vid[:40]!r} is not a preset")
    vid = vid if vid in presets.ids() else DEFAULT_VARIANT
    v = presets.get(vid)
    bounds = {"size": (1, MAX_SIDE), "in_ch": LIMITS["in_channels"], "classes": LIMITS["num_classes"]}
    given = {key: _int_param(qp.get(key), *bounds[key]) for key in bounds}
    for key, (lo, hi) in bounds.items():
        if qp.get(key) is not None and given[key] is None:
            problems.append(f"{key}={qp.get(key)[:40]!r} is not a whole number from {lo} to {hi}")
    cfg = {
        "variant": vid,
        "size": given["size"] or v.input_size,
        "in_ch": given["in_ch"] or v.in_channels,
        "classes": given["classes"] or v.num_classes,
        "edit": None,
    }
    notices = [f"Ignored from the link: {'; '.join(problems)}."] if problems else []
    token = qp.get("spec")
    if token:
        try:
            edit = url.decode(token)
        except SpecError as err:
            notices.append(f"The link's spec was not loaded ({err}); showing the {v.title} preset.")
        else:
            cfg.update(edit=replace(edit, name=UNNAMED), in_ch=edit.in_channels, classes=edit.num_classes)
    if notices:
        ss["url_problem"] = " ".join(notices)
    ss["cfg"] = cfg


def seed_widgets() -> None:
    """Widget keys are scratch: Streamlit may drop them (page switches, new widget ids),
    so before each render they are re-seeded from the persistent ``cfg``. Callbacks run
    before the script, so a value the user just changed is already in ``cfg`` here."""
    ensure_state()
    for name, key in KEYS.items():
        st.session_state[key] = st.session_state["cfg"][name]


def widgets_stale() -> bool:
    """Whether a sidebar widget shows another value than ``cfg`` (set since the sidebar was drawn)."""
    ss = st.session_state
    return any(key in ss and ss[key] != ss["cfg"][name] for name, key in KEYS.items())


def sync(name: str) -> None:
    """on_change: copy one widget's value into the persistent configuration."""
    cfg = st.session_state["cfg"]
    cfg[name] = st.session_state[KEYS[name]]
    if name == "variant":  # a new preset brings its own input size, channels and classes; edits start over
        reset_to_preset()
    elif name in ("in_ch", "classes") and cfg.get("edit") is not None:
        _apply_io()


def reset_to_preset() -> None:
    """Back to the chosen preset exactly: its spec, input size, channels and classes."""
    cfg = st.session_state["cfg"]
    v = presets.get(cfg["variant"])
    cfg.update(size=v.input_size, in_ch=v.in_channels, classes=v.num_classes, edit=None)


def config() -> Config:
    ensure_state()
    c = st.session_state["cfg"]
    return Config(c["variant"], int(c["size"]), int(c["in_ch"]), int(c["classes"]))


def preset_spec() -> ArchSpec:
    """The chosen preset, untouched: what the Lab highlights differences from."""
    return presets.get(config().variant).spec


def _with_io(spec: ArchSpec, cfg: Config) -> ArchSpec:
    try:
        return with_io(spec, in_channels=cfg.in_channels, num_classes=cfg.num_classes)
    except SpecError:
        return spec  # e.g. a grouped conv1 that the chosen channels do not divide


def _apply_io() -> None:
    edit = st.session_state["cfg"]["edit"]
    set_spec(_with_io(edit, config()))


def is_edited() -> bool:
    ensure_state()
    return st.session_state["cfg"].get("edit") is not None


def current_spec() -> ArchSpec:
    """The Layer Lab's edited spec when one is active, else the preset with the sidebar's channels and classes."""
    cfg = config()
    edit = st.session_state["cfg"].get("edit")
    return edit if edit is not None else _with_io(presets.get(cfg.variant).spec, cfg)


def set_spec(spec: ArchSpec) -> None:
    """Make ``spec`` the session's spec (from a Lab edit, an upload or a fix); a spec equal to the
    preset with the sidebar's channels and classes is stored as 'no edit', which keeps URLs short."""
    cfg = st.session_state["cfg"]
    cfg.update(in_ch=spec.in_channels, classes=spec.num_classes)
    preset = _with_io(presets.get(cfg["variant"]).spec, config())
    same = replace(spec, name=preset.name) == preset
    cfg["edit"] = None if same else replace(spec, name=UNNAMED)  # no longer the preset: errors say "this network"


def set_size(size: int) -> None:
    st.session_state["cfg"]["size"] = max(1, min(MAX_SIDE, int(size)))


def mirror_to_url() -> None:
    cfg = config()
    wanted = {"variant": cfg.variant, "size": str(cfg.size), "in_ch": str(cfg.in_channels),
              "classes": str(cfg.num_classes)}
    edit = st.session_state["cfg"].get("edit")
    if edit is not None:
        wanted["spec"] = url.encode(edit)
    elif "spec" in st.query_params:
        del st.query_params["spec"]
    present.mirror(wanted)
    if present.KEY not in wanted and present.KEY in st.query_params:
        del st.query_params[present.KEY]
    changed = {k: v for k, v in wanted.items() if st.query_params.get(k) != v}
    if changed:  # one message (and one browser history entry) for all the changed keys, not one per key
        st.query_params.update(changed)


def spec_label() -> str:
    """A short name for ``current_spec()`` that pages show next to their results."""
    title = presets.get(config().variant).title
    return f"✎ Edited (from {title})" if is_edited() else title
