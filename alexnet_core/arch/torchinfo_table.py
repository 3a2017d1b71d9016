"""torchinfo on the meta device -> the same ``Summary`` the arithmetic table gives, from real modules.

The meta device gives torchinfo real modules and real shapes with no storage,
so the summary of a 60 M-parameter net costs the same as that of a tiny one.
"""

from __future__ import annotations

from typing import Any

import torch
import torchinfo

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import LayerShape, trace
from alexnet_core.arch.table import BYTES_PER_VALUE, LayerRow, Summary, make_row
from alexnet_core.spec.types import ArchSpec


def summarize(spec: ArchSpec, height: int, width: int | None = None, batch: int = 1) -> Summary:
    """Raises ShapeError (before any module is built) for an input the spec cannot take."""
    width = height if width is None else width
    shapes = trace(spec, height, width)
    model = build_model(spec, device="meta")
    paths = {id(m): p for p, m in model.named_modules()}
    info = torchinfo.summary(
        model,
        # A meta tensor, not input_size: torchinfo would build that input in real memory first
        # (5 GB at 20,000 px) and only then move it to the meta device.
        input_data=torch.empty(batch, spec.in_channels, height, width, device="meta"),
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
    if labels[path] != shape.step.label:
        raise AssertionError(f"torchinfo order diverged from the plan at {path}")
    return make_row(shape, path, li.class_name, [int(d) for d in li.output_size], int(li.num_params), int(li.macs))
