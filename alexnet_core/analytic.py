"""The shape table's numbers by arithmetic alone: no modules, no torchinfo, no weights.

``summarize`` (torchinfo on the meta device) costs 35-60 ms; a Layer Lab slider
cannot afford that on every rerun. These are the same figures torchinfo reports
(parameters, its mult-add convention, output shapes), from ``shapes.trace`` in
well under a millisecond; the tests check them against ``summarize`` and real
forward passes.
"""

from __future__ import annotations

from alexnet_core.plan import Kind, Step, layer_plan
from alexnet_core.shapes import trace
from alexnet_core.spec import Activation, ArchSpec
from alexnet_core.summary import BYTES_PER_VALUE, LayerRow, Summary

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


def analytic_summary(spec: ArchSpec, height: int, width: int | None = None, batch: int = 1) -> Summary:
    """Same fields as ``summary.summarize``; raises ShapeError for an impossible input."""
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
        numel = 1
        for d in out:
            numel *= d
        # torchinfo's convention: conv weights+biases times output positions; others times the batch.
        positions = batch * out[2] * out[3] if step.kind is Kind.CONV else batch
        spatial = step.kind in (Kind.CONV, Kind.POOL)
        rows.append(LayerRow(
            name=step.label, module=module, type=_type(step),
            kernel=step.kernel if spatial else None, stride=step.stride if spatial else None,
            padding=step.padding if spatial else None, groups=step.groups if step.kind is Kind.CONV else None,
            output_shape=out, params=params, mult_adds=params * positions,
            receptive_field=shape.rf, jump=shape.jump, activation_bytes=numel * BYTES_PER_VALUE,
        ))
    total = sum(r.params for r in rows)
    return Summary(
        variant=spec.name, input_shape=[batch, spec.in_channels, height, width], layers=rows,
        total_params=total, trainable_params=total, mult_adds=sum(r.mult_adds for r in rows),
        param_bytes=total * BYTES_PER_VALUE, activation_bytes=sum(r.activation_bytes for r in rows),
    )
