"""The shape table: one ``LayerRow``/``Summary`` type, and its numbers by arithmetic alone.

No modules, no torchinfo, no weights, no torch import: ``torchinfo_table`` fills the same type
from torchinfo for the Architecture page and the CLI.

``summarize`` (torchinfo on the meta device) costs 35-60 ms; a Layer Lab slider
cannot afford that on every rerun. These are the same figures torchinfo reports
(parameters, its mult-add convention, output shapes), from ``shapes.trace`` in
well under a millisecond; the tests check them against ``summarize`` and real
forward passes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from alexnet_core.arch.plan import Kind, Step, layer_plan
from alexnet_core.arch.shapes import LayerShape, trace
from alexnet_core.spec.types import Activation, ArchSpec

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


_ACT_TYPES = {
    Activation.RELU: "ReLU", Activation.LEAKY_RELU: "LeakyReLU", Activation.ELU: "ELU",
    Activation.GELU: "GELU", Activation.SILU: "SiLU", Activation.SIGMOID: "Sigmoid", Activation.TANH: "Tanh",
}
_TYPES = {
    Kind.CONV: "Conv2d", Kind.BATCHNORM: "BatchNorm2d", Kind.LRN: "LocalResponseNorm", Kind.POOL: "MaxPool2d",
    Kind.ADAPTIVE: "AdaptiveAvgPool2d", Kind.FLATTEN: "Flatten", Kind.DROPOUT: "Dropout", Kind.LINEAR: "Linear",
    Kind.LOGSOFTMAX: "LogSoftmax",
}


def step_params(step: Step) -> int:
    """Learnable parameters of one layer (weights + biases; BatchNorm's running stats are buffers)."""
    if step.kind is Kind.CONV:
        return step.out_ch * (step.in_ch // step.groups) * step.kernel * step.kernel + step.out_ch
    if step.kind is Kind.BATCHNORM:
        return 2 * step.out_ch
    if step.kind is Kind.LINEAR:
        return step.in_ch * step.out_ch + step.out_ch
    return 0


def count_params(spec: ArchSpec) -> int:
    """Total parameters, independent of the input size."""
    return sum(step_params(s) for s in layer_plan(spec))


def _type(step: Step) -> str:
    if step.kind is Kind.ACT:
        assert step.activation is not None
        return _ACT_TYPES[step.activation]
    return _TYPES[step.kind]


def make_row(shape: LayerShape, module: str, type_: str, out: list[int], params: int, mult_adds: int) -> LayerRow:
    """One table row: the layer's settings from the plan, its numbers from whoever counted them."""
    step = shape.step
    spatial = step.windowed
    numel = 1
    for d in out:
        numel *= d
    return LayerRow(
        name=step.label, module=module, type=type_,
        kernel=step.kernel if spatial else None, stride=step.stride if spatial else None,
        padding=step.padding if spatial else None, groups=step.groups if step.kind is Kind.CONV else None,
        output_shape=out, params=params, mult_adds=mult_adds,
        receptive_field=shape.rf, jump=shape.jump, activation_bytes=numel * BYTES_PER_VALUE,
    )


def analytic_summary(spec: ArchSpec, height: int, width: int | None = None, batch: int = 1) -> Summary:
    """Same figures as ``torchinfo_table.summarize``; raises ShapeError for an impossible input."""
    width = height if width is None else width
    rows: list[LayerRow] = []
    counters = {"features": 0, "classifier": 0}
    for shape in trace(spec, height, width):
        step = shape.step
        if step.section in counters:
            module = f"{step.section}.{counters[step.section]}"
            counters[step.section] += 1
        else:
            module = step.section
        params = step_params(step)
        out = [batch, *shape.out_shape]
        # torchinfo's convention: conv weights+biases times output positions; others times the batch.
        positions = batch * out[2] * out[3] if step.kind is Kind.CONV else batch
        rows.append(make_row(shape, module, _type(step), out, params, params * positions))
    total = sum(r.params for r in rows)
    return Summary(
        variant=spec.name, input_shape=[batch, spec.in_channels, height, width], layers=rows,
        total_params=total, trainable_params=total, mult_adds=sum(r.mult_adds for r in rows),
        param_bytes=total * BYTES_PER_VALUE, activation_bytes=sum(r.activation_bytes for r in rows),
    )
