"""Layer Lab controls: one set of widgets per conv block and for the classifier.

Same pattern as the sidebar: the spec in ``state`` is the truth; widget keys are
re-seeded from it before every render, and each widget's on_change callback builds
the new spec, checks it (groups, the parameter budget) and stores it, or leaves the
spec untouched and says why.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from typing import Any

import streamlit as st

from alexnet_core.arch import budget
from alexnet_core.spec.parse import LIMITS, validate
from alexnet_core.spec.types import (
    LRN,
    Activation,
    ArchSpec,
    ConvBlock,
    Pool,
    SpecError,
)
from ui import downloads, state
from ui.lab import dials

MSG = "lab_msg"
ACTS = [a.value for a in Activation]
# field -> (label, getter from a ConvBlock): the widgets under More; kernel, stride, padding and out channels
# are dials (ui/lab/dials.py), with the same short names
CONV_FIELDS: dict[str, tuple[str, Any]] = {
    "g": ("groups", lambda c: c.groups),
    "act": ("activation", lambda c: c.activation.value),
    "lrn": ("LRN", lambda c: c.lrn is not None),
    "bn": ("BatchNorm", lambda c: c.batchnorm),
    "pool": ("max-pool", lambda c: c.pool is not None),
    "pk": ("pool kernel", lambda c: c.pool.kernel if c.pool else 3),
    "ps": ("pool stride", lambda c: c.pool.stride if c.pool else 2),
}


MORE_LABEL = "More: groups, activation, LRN, BatchNorm, pooling"


def key(i: int, f: str) -> str:
    return f"lab_{i}_{f}"


def _head_values(spec: ArchSpec) -> dict[str, Any]:
    cls = spec.classifier
    vals: dict[str, Any] = {"lab_nhidden": len(cls.hidden), "lab_dropout": cls.dropout,
                            "lab_adaptive": spec.adaptive_pool, "lab_fs": spec.feature_size[0]}
    vals.update({f"lab_h{j}": h for j, h in enumerate(cls.hidden)})
    return vals


def commit(new: ArchSpec) -> bool:
    """Store ``new`` as the session's spec if it is consistent and within budget; else keep the old one."""
    try:
        validate(new)
    except SpecError as err:
        st.session_state[MSG] = f"Not applied: {err.problem}. {_groups_hint(new, err)}"
        return False
    problem = budget.param_problem(new)
    if problem:
        st.session_state[MSG] = f"Not applied, {problem}."
        return False
    st.session_state.pop(MSG, None)
    state.set_spec(new)
    return True


def _groups_hint(spec: ArchSpec, err: SpecError) -> str:
    if not err.field_path.endswith(".groups"):
        return ""
    i = int(err.field_path.split("[")[1].split("]")[0])
    in_ch = spec.convs[i - 1].out_channels if i else spec.in_channels
    g = math.gcd(in_ch, spec.convs[i].out_channels)
    ok = [d for d in range(1, min(g, LIMITS["groups"][1]) + 1) if g % d == 0][:8]
    return f"conv{i + 1} can take groups {', '.join(map(str, ok))}."


def _on_conv(i: int, f: str) -> None:
    _apply(i, f, st.session_state[key(i, f)])


def _on_dials(i: int) -> None:
    good, problem = dials.edits(i)
    if problem:
        st.session_state[MSG] = problem
    for attr, v in good:
        if not _apply(i, attr, v):
            break


def _apply(i: int, f: str, v: Any) -> bool:
    """Set field ``f`` of conv block ``i`` (a widget's short name, or a ConvBlock attribute from the dials)."""
    spec = state.current_spec()
    if i >= len(spec.convs):  # an edit queued before its block was removed
        return False
    conv = spec.convs[i]
    new: ConvBlock
    if f == "act":
        new = replace(conv, activation=Activation(v))
    elif f == "lrn":
        new = replace(conv, lrn=LRN() if v else None)
    elif f == "bn":
        new = replace(conv, batchnorm=bool(v))
    elif f == "pool":
        new = replace(conv, pool=Pool() if v else None)
    elif f in ("pk", "ps"):
        pool = conv.pool or Pool()
        pool = replace(pool, kernel=int(v)) if f == "pk" else replace(pool, stride=int(v))
        new = replace(conv, pool=replace(pool, padding=min(pool.padding, pool.kernel // 2)))
    else:  # groups (the widget "g") or kernel, stride, padding, out_channels (the dials)
        new = replace(conv, **{"groups" if f == "g" else f: int(v)})
    convs = list(spec.convs)
    convs[i] = new
    return commit(replace(spec, convs=tuple(convs)))


def _on_head(f: str) -> None:
    spec = state.current_spec()
    cls = spec.classifier
    ss = st.session_state
    if f == "nhidden":
        n = int(ss["lab_nhidden"])
        hidden = (cls.hidden + (cls.hidden[-1:] or (4096,)) * n)[:n]
        commit(replace(spec, classifier=replace(cls, hidden=hidden)))
    elif f == "dropout":
        commit(replace(spec, classifier=replace(cls, dropout=float(ss["lab_dropout"]))))
    elif f == "adaptive":
        commit(replace(spec, adaptive_pool=bool(ss["lab_adaptive"])))
    elif f == "fs":
        side = int(ss["lab_fs"])
        commit(replace(spec, feature_size=(side, side)))
    else:  # a hidden width: f == "h<j>"
        j = int(f[1:])
        hidden = list(cls.hidden)
        hidden[j] = int(ss[f"lab_{f}"])
        commit(replace(spec, classifier=replace(cls, hidden=tuple(hidden))))


def _add_block() -> None:
    spec = state.current_spec()
    last = spec.convs[-1]
    if commit(replace(spec, convs=spec.convs + (ConvBlock(last.out_channels, 3, padding=1),))):
        st.session_state["lab_block_choice"] = f"conv{len(spec.convs) + 1}"


def _remove_block(i: int) -> None:
    spec = state.current_spec()
    if commit(replace(spec, convs=spec.convs[:i] + spec.convs[i + 1:])):
        st.session_state["lab_block_choice"] = f"conv{max(i, 1)}"


def _reset() -> None:
    st.session_state.pop(MSG, None)
    state.reset_to_preset()


def _label(text: str, changed: bool) -> str:
    return f":orange[**{text} ✎**]" if changed else text


def _conv_controls(i: int, conv: ConvBlock, base: ConvBlock | None) -> None:
    def lab(f: str) -> str:
        text, get = CONV_FIELDS[f]
        return _label(text, dials.differs(get, conv, base))

    def cb(f: str) -> dict[str, Any]:
        return {"key": key(i, f), "on_change": _on_conv, "args": (i, f)}

    dials.draw(i, conv, base, partial(_on_dials, i))
    # The rest, drawn only while asked for: every widget is redrawn on each change (server and browser;
    # BENCHMARKS.md, instant feedback), and a change mostly moves kernel, stride or padding (the dials).
    # One label whatever the values: a new label would be a new expander, closed, under the user's click.
    box = downloads.folded(MORE_LABEL, key="lab_more", icon=":material/tune:")
    if box is None:
        return
    # Three columns filled top to bottom rather than a row of columns per line: fewer layout blocks, and
    # each block is a message a rerun sends and the browser applies. Rows still line up, since each line
    # holds widgets of one height.
    c = box.columns(3)
    c[0].number_input(lab("g"), *LIMITS["groups"], step=1, **cb("g"))
    c[1].selectbox(lab("act"), ACTS, **cb("act"))
    c[2].checkbox(lab("pool"), **cb("pool"))
    c[0].checkbox(lab("lrn"), **cb("lrn"))
    c[1].checkbox(lab("bn"), **cb("bn"))
    c[0].number_input(lab("pk"), *LIMITS["kernel"], step=1, disabled=conv.pool is None, **cb("pk"))
    c[1].number_input(lab("ps"), *LIMITS["stride"], step=1, disabled=conv.pool is None, **cb("ps"))


def block_options(spec: ArchSpec) -> list[str]:
    return [f"conv{i + 1}" for i in range(len(spec.convs))] + ["classifier"]


def render_controls(spec: ArchSpec, preset: ArchSpec) -> None:
    """The chosen block's controls (one block at a time keeps a rerun cheap: every widget costs ~1 ms);
    labels of values that differ from the starting preset are highlighted, and so are the blocks."""
    options = block_options(spec)
    ss = st.session_state
    chosen = ss.get("lab_block_choice", "conv1")
    ss["lab_block_choice"] = chosen if chosen in options else options[0]
    ss["lab_block"] = ss["lab_block_choice"]

    def mark(o: str) -> str:
        if o == "classifier":
            differs = (spec.classifier, spec.adaptive_pool, spec.feature_size) != (
                preset.classifier, preset.adaptive_pool, preset.feature_size)
        else:
            i = int(o[4:]) - 1
            differs = i >= len(preset.convs) or preset.convs[i] != spec.convs[i]
        return f"✎ {o}" if differs else o

    st.segmented_control("Block to edit", options, key="lab_block", format_func=mark, wrap=True,
                         on_change=_on_block, help="✎: differs from the starting preset")
    choice = ss["lab_block_choice"]
    if choice == "classifier":
        ss.update(_head_values(spec))
        _head_controls(spec, preset)
        return
    i = int(choice[4:]) - 1
    conv = spec.convs[i]
    for f, (_, get) in CONV_FIELDS.items():
        ss[key(i, f)] = get(conv)
    base = preset.convs[i] if i < len(preset.convs) else None
    _conv_controls(i, conv, base)
    row = st.container(horizontal=True)
    row.button(f"Remove conv{i + 1}", icon=":material/delete:", key=f"lab_rm_{i}", on_click=_remove_block,
               args=(i,), disabled=len(spec.convs) <= LIMITS["convs"][0])
    row.button("Add a conv block after the last", icon=":material/add:", key="lab_add", on_click=_add_block,
               disabled=len(spec.convs) >= LIMITS["convs"][1])


def _on_block() -> None:
    value = st.session_state.get("lab_block")
    if value:  # a second click on the selected segment deselects it: keep the choice
        st.session_state["lab_block_choice"] = value


def _head_controls(spec: ArchSpec, preset: ArchSpec) -> None:
    cls, pcls = spec.classifier, preset.classifier
    c = st.columns(4)
    c[0].number_input(_label("hidden layers", len(cls.hidden) != len(pcls.hidden)), *LIMITS["hidden_layers"],
                      step=1, key="lab_nhidden", on_change=_on_head, args=("nhidden",))
    c[1].slider(_label("dropout", cls.dropout != pcls.dropout), 0.0, 0.9, step=0.05, key="lab_dropout",
                on_change=_on_head, args=("dropout",))
    c[2].checkbox(_label("adaptive avg-pool", spec.adaptive_pool != preset.adaptive_pool), key="lab_adaptive",
                  on_change=_on_head, args=("adaptive",), help="AdaptiveAvgPool2d forces the feature size")
    c[3].number_input(_label("feature size", spec.feature_size != preset.feature_size), *LIMITS["feature_size"],
                      step=1, key="lab_fs", on_change=_on_head, args=("fs",),
                      help="the side the classifier reads after the last block (6 in AlexNet)")
    if cls.hidden:
        c = st.columns(len(cls.hidden))
        for j, h in enumerate(cls.hidden):
            base = pcls.hidden[j] if j < len(pcls.hidden) else None
            c[j].number_input(_label(f"fc{len(spec.convs) + 1 + j} width", base != h), *LIMITS["hidden"], step=1,
                              key=f"lab_h{j}", on_change=_on_head, args=(f"h{j}",))


def reset_button() -> None:
    st.button("Reset to the preset", icon=":material/restart_alt:", key="lab_reset", on_click=_reset,
              disabled=not state.is_edited())
