"""The tour's steps: a title and text (assets/tour/steps.md, with the computed facts filled in), the
preset a step starts from, its live view, and its "try this" change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cache

import streamlit as st

from alexnet_core.arch.lessons import facts, ungrouped
from alexnet_core.paths import ASSETS
from alexnet_core.spec.types import Activation, ArchSpec, Pool
from ui.tour import live

View = Callable[[ArchSpec, int, ArchSpec], None]  # (the step's spec, its size, its preset)
Change = Callable[[ArchSpec, int], tuple[ArchSpec, int]]


@dataclass(frozen=True)
class Step:
    variant: str  # the preset the step starts from
    live: View
    try_label: str
    try_this: Change


def _convs(spec: ArchSpec, **changes: object) -> ArchSpec:
    return replace(spec, convs=tuple(replace(c, **changes) for c in spec.convs))


def _conv1(spec: ArchSpec, **changes: object) -> ArchSpec:
    return replace(spec, convs=(replace(spec.convs[0], **changes),) + spec.convs[1:])


def _pools_2x2(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
    return replace(spec, convs=tuple(replace(c, pool=Pool(2, 2)) if c.pool else c for c in spec.convs)), size


def _pool_after_conv3(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
    convs = list(spec.convs)
    convs[2] = replace(convs[2], pool=Pool())
    return replace(spec, convs=tuple(convs)), size


def _half_classifier(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
    cls = spec.classifier
    return replace(spec, classifier=replace(cls, hidden=tuple(h // 2 for h in cls.hidden))), size


def _new_samples(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
    st.session_state["tr_preview_seed"] = int(st.session_state.get("tr_preview_seed", 0)) + 1
    return spec, size


def _start_runs(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
    live.start_rates()
    return spec, size


def _layer(name: str) -> Change:
    def change(spec: ArchSpec, size: int) -> tuple[ArchSpec, int]:
        st.session_state["inside_layer"] = name
        return spec, size
    return change


STEPS: list[Step] = [
    Step("torchvision", live.preprocessing, "Use the paper's 227 px", lambda s, n: (s, 227)),
    Step("torchvision", live.conv1, "Set conv1's stride to 2", lambda s, n: (_conv1(s, stride=2), n)),
    Step("torchvision", live.activations, "Put tanh in every convolution",
         lambda s, n: (_convs(s, activation=Activation.TANH), n)),
    Step("paper2012", live.compare_norms, "Turn LRN off", lambda s, n: (_convs(s, lrn=None), n)),
    Step("torchvision", live.network, "Pool 2×2 at stride 2", _pools_2x2),
    Step("torchvision", live.network, "Add a pool after conv3", _pool_after_conv3),
    Step("paper2012", live.network, "One tower: groups = 1", lambda s, n: (ungrouped(s), n)),
    Step("torchvision", live.network, "Halve fc6 and fc7", _half_classifier),
    Step("torchvision", live.inside("Feature maps"), "Give conv1 a 5×5 kernel",
         lambda s, n: (_conv1(s, kernel=5), n)),
    Step("torchvision", live.augmentation, "Draw other samples", _new_samples),
    Step("torchvision", live.training, "Start both runs", _start_runs),
    Step("torchvision", live.trained_features, "Look at conv2", _layer("conv2")),
]


@cache
def texts() -> list[tuple[str, str]]:
    """(title, markdown) per step, in order, with the facts the core computes filled in."""
    values = asdict(facts())
    parts = (ASSETS / "tour" / "steps.md").read_text(encoding="utf-8").split("\n## ")
    out = []
    for part in parts:
        title, _, body = part.removeprefix("## ").partition("\n")
        out.append((title.strip(), body.strip().format(**values)))
    return out
