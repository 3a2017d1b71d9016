"""The flat list of layers a spec stands for, shared by the builder and the shape engine.

Both ``build.py`` and ``shapes.py`` walk the same plan, so the analytic table
and the real module can never disagree about which layers exist or their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from alexnet_core.spec.types import Activation, ArchSpec, DropoutPosition


class Kind(StrEnum):
    CONV = "conv"
    BATCHNORM = "batchnorm"
    ACT = "act"
    LRN = "lrn"
    POOL = "pool"
    ADAPTIVE = "adaptive"
    FLATTEN = "flatten"
    DROPOUT = "dropout"
    LINEAR = "linear"
    LOGSOFTMAX = "logsoftmax"


SPATIAL = {Kind.CONV, Kind.POOL}


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """The input rows one window spans: a dilated kernel spreads its k taps over d·(k − 1) + 1 rows."""
    return dilation * (kernel - 1) + 1


@dataclass(frozen=True)
class Step:
    label: str  # what people call it: conv1, pool1, fc6 ...
    kind: Kind
    section: str  # features | avgpool | flatten | classifier
    in_ch: int = 0
    out_ch: int = 0
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    ceil_mode: bool = False
    block: int = -1  # index of the conv block it belongs to; -1 for the head
    activation: Activation | None = None

    @property
    def windowed(self) -> bool:
        """A conv or a pool: a window sliding over the input, with the output-size formula."""
        return self.kind in SPATIAL

    @property
    def span(self) -> int:
        """The effective kernel: input rows (and columns) one window covers."""
        return effective_kernel(self.kernel, self.dilation)


def _act_label(act: Activation, n: int) -> str:
    return f"{act.value.replace('_', '')}{n}"


def layer_plan(spec: ArchSpec) -> list[Step]:
    steps: list[Step] = []
    in_ch = spec.in_channels
    for i, c in enumerate(spec.convs):
        n = i + 1
        steps.append(
            Step(f"conv{n}", Kind.CONV, "features", in_ch, c.out_channels, c.kernel, c.stride,
                 c.padding, c.dilation, c.groups, block=i)
        )
        if c.batchnorm:
            steps.append(Step(f"bn{n}", Kind.BATCHNORM, "features", c.out_channels, c.out_channels, block=i))
        steps.append(Step(_act_label(c.activation, n), Kind.ACT, "features", c.out_channels, c.out_channels,
                          block=i, activation=c.activation))
        if c.lrn is not None:
            steps.append(Step(f"lrn{n}", Kind.LRN, "features", c.out_channels, c.out_channels, block=i))
        if c.pool is not None:
            p = c.pool
            steps.append(Step(f"pool{n}", Kind.POOL, "features", c.out_channels, c.out_channels, p.kernel,
                              p.stride, p.padding, 1, 1, p.ceil_mode, block=i))
        in_ch = c.out_channels
    if spec.adaptive_pool:
        steps.append(Step("avgpool", Kind.ADAPTIVE, "avgpool", in_ch, in_ch))
    steps.append(Step("flatten", Kind.FLATTEN, "flatten", in_ch, spec.flat_features))
    steps.extend(_classifier_plan(spec))
    return steps


def _classifier_plan(spec: ArchSpec) -> list[Step]:
    cls = spec.classifier
    steps: list[Step] = []
    width = spec.flat_features
    n = len(spec.convs) + 1  # fc6 follows conv5, as in the paper
    for h in cls.hidden:
        drop = Step(f"drop{n}", Kind.DROPOUT, "classifier", width, width)
        fc = Step(f"fc{n}", Kind.LINEAR, "classifier", width, h)
        act = Step(_act_label(cls.activation, n), Kind.ACT, "classifier", h, h, activation=cls.activation)
        if cls.dropout_position is DropoutPosition.BEFORE:
            steps += [drop, fc, act]
        else:
            steps += [fc, act, Step(f"drop{n}", Kind.DROPOUT, "classifier", h, h)]
        width = h
        n += 1
    steps.append(Step(f"fc{n}", Kind.LINEAR, "classifier", width, spec.num_classes))
    if spec.log_softmax:
        steps.append(Step("logsoftmax", Kind.LOGSOFTMAX, "classifier", spec.num_classes, spec.num_classes))
    return steps
