"""The numbers the guided tour states, each computed from the presets rather than written down."""

from __future__ import annotations

from dataclasses import dataclass, replace

from alexnet_core.arch.shapes import describe_range, trace, valid_range
from alexnet_core.arch.table import analytic_summary
from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec


@dataclass(frozen=True)
class Facts:
    input_numbers: int  # 3 x 224 x 224 values after preprocessing
    paper_range: str  # the sizes the unpadded 2012 layout accepts
    torchvision_range: str
    groups_saving: int  # parameters the two-tower split (groups=2) saves in the 2012 network
    classifier_param_share: float  # torchvision at 224: fc6-fc8's share of the parameters
    conv_mult_add_share: float  # ... and the convolutions' share of the mult-adds
    rf_first: int  # conv1's receptive field (px)
    rf_last: int  # the last spatial layer's


def ungrouped(spec: ArchSpec) -> ArchSpec:
    """The same network with every convolution in one tower."""
    return replace(spec, convs=tuple(replace(c, groups=1) for c in spec.convs))


def facts() -> Facts:
    tv, paper = presets.get("torchvision"), presets.get("paper2012")
    s = analytic_summary(tv.spec, tv.input_size)
    spatial = [x for x in trace(tv.spec, tv.input_size, tv.input_size) if len(x.out_shape) == 3]
    saving = (analytic_summary(ungrouped(paper.spec), paper.input_size).total_params
              - analytic_summary(paper.spec, paper.input_size).total_params)
    return Facts(tv.spec.in_channels * tv.input_size * tv.input_size, describe_range(valid_range(paper.spec)),
                 describe_range(valid_range(tv.spec)), saving, s.classifier_param_share, s.conv_mult_add_share,
                 spatial[0].rf, spatial[-1].rf)
