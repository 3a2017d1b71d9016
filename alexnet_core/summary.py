"""torchinfo on the meta device -> one row per leaf layer, plus the totals.

The meta device gives torchinfo real modules and real shapes with no storage,
so the summary of a 60 M-parameter net costs the same as that of a tiny one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torchinfo

from alexnet_core.build import build_model
from alexnet_core.plan import Kind
from alexnet_core.shapes import LayerShape, trace
from alexnet_core.spec import ArchSpec

BYTES_PER_VALUE = 4  # float32 activations and parameters


@dataclass(frozen=True)
class LayerRow:
    name: str  # conv1, pool1, fc6 ...
    module: str  # features.0 ... : the state_dict prefix
    type: str  # Conv2d, MaxPool2d ...
    kernel: int | None
    stride: int | None
    padding: int | None
    groups: int | None
    output_shape: list[int]  # with the batch dimension, as torchinfo reports it
    params: int
    mult_adds: int
    receptive_field: int
    jump: float
    activation_bytes: int


@dataclass(frozen=True)
class Summary:
    variant: str
    input_shape: list[int]  # [N, C, H, W]
    layers: list[LayerRow]
    total_params: int
    trainable_params: int
    mult_adds: int
    param_bytes: int
    activation_bytes: int

    @property
    def classifier_params(self) -> int:
        return sum(r.params for r in self.layers if r.module.startswith("classifier"))

    @property
    def conv_mult_adds(self) -> int:
        return sum(r.mult_adds for r in self.layers if r.type == "Conv2d")

    @property
    def classifier_param_share(self) -> float:
        return self.classifier_params / self.total_params if self.total_params else 0.0

    @property
    def conv_mult_add_share(self) -> float:
        return self.conv_mult_adds / self.mult_adds if self.mult_adds else 0.0

    def to_json(self) -> dict[str, Any]:
        """The CLI's --json object: the documented keys first, then extras."""
        return {
            "variant": self.variant,
            "input_shape": self.input_shape,
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "mult_adds": self.mult_adds,
            "layers": [asdict(r) for r in self.layers],
            "param_bytes": self.param_bytes,
            "activation_bytes": self.activation_bytes,
            "classifier_param_share": round(self.classifier_param_share, 6),
            "conv_mult_add_share": round(self.conv_mult_add_share, 6),
        }


def summarize(spec: ArchSpec, height: int, width: int | None = None, batch: int = 1) -> Summary:
    """Raises ShapeError (before any module is built) for an input the spec cannot take."""
    width = height if width is None else width
    shapes = trace(spec, height, width)
    model = build_model(spec, device="meta")
    paths = {id(m): p for p, m in model.named_modules()}
    info = torchinfo.summary(
        model,
        input_size=(batch, spec.in_channels, height, width),
        device="meta",
        verbose=0,
        col_names=("output_size", "num_params", "mult_adds"),
        mode="eval",
    )
    leaves = [li for li in info.summary_list if li.is_leaf_layer and li.class_name != "Identity"]
    rows = [_row(li, paths[id(li.module)], model.labels, s) for li, s in zip(leaves, shapes, strict=True)]
    return Summary(
        variant=spec.name,
        input_shape=[batch, spec.in_channels, height, width],
        layers=rows,
        total_params=info.total_params,
        trainable_params=info.trainable_params,
        mult_adds=info.total_mult_adds,
        param_bytes=info.total_params * BYTES_PER_VALUE,
        activation_bytes=sum(r.activation_bytes for r in rows),
    )


def _row(li: Any, path: str, labels: dict[str, str], shape: LayerShape) -> LayerRow:
    step = shape.step
    if labels[path] != step.label:
        raise AssertionError(f"torchinfo order diverged from the plan at {path}")
    spatial = step.kind in (Kind.CONV, Kind.POOL)
    out = [int(d) for d in li.output_size]
    numel = 1
    for d in out:
        numel *= d
    return LayerRow(
        name=step.label,
        module=path,
        type=li.class_name,
        kernel=step.kernel if spatial else None,
        stride=step.stride if spatial else None,
        padding=step.padding if spatial else None,
        groups=step.groups if step.kind is Kind.CONV else None,
        output_shape=out,
        params=int(li.num_params),
        mult_adds=int(li.macs),
        receptive_field=shape.rf,
        jump=shape.jump,
        activation_bytes=numel * BYTES_PER_VALUE,
    )
