"""The Lab's flow plot (inline SVG) draws exactly the sides and channels a real forward pass produces."""

import re
import xml.etree.ElementTree as ET

import pytest
import torch

from alexnet_core.arch.build import build_model
from alexnet_core.arch.table import analytic_summary
from alexnet_core.figures import flow_svg, lab
from alexnet_core.spec import presets

SVG = "{http://www.w3.org/2000/svg}"


def forward_shapes(spec, size):
    """(side, channels) after the input and each conv and pool, from hooks on a real forward pass."""
    model = build_model(spec, seed=0).eval()
    seen, hooks = [], []
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.MaxPool2d, torch.nn.AdaptiveAvgPool2d)):
            hooks.append(m.register_forward_hook(lambda _m, _i, out: seen.append((out.shape[2], out.shape[1]))))
    with torch.no_grad():
        model(torch.zeros(1, spec.in_channels, size, size))
    for h in hooks:
        h.remove()
    return [(size, spec.in_channels)] + seen


@pytest.mark.parametrize("vid", presets.ids())
def test_the_svg_draws_the_forward_pass_sides_and_channels(vid):
    v = presets.get(vid)
    summary = analytic_summary(v.spec, v.input_size)
    root = ET.fromstring(flow_svg.flow_svg(summary))  # well-formed XML
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    bars = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    sides = [int(re.search(r": (\d+)×", p).group(1)) for p in points]
    chans = [int(re.search(r": ([\d,]+) channels", b).group(1).replace(",", "")) for b in bars]
    assert list(zip(sides, chans, strict=True)) == forward_shapes(v.spec, v.input_size)


def test_the_plotly_version_for_the_card_draws_the_same_points():
    summary = analytic_summary(presets.get("paper2012").spec, 227)
    bars, line = lab.flow_figure(summary).data
    names, side, chans = flow_svg.flow_points(summary)
    assert list(line.x) == names and list(line.y) == side and list(bars.y) == chans


@pytest.mark.parametrize("top", [1.15, 4.6, 63.25, 257.6, 441.6, 4710.4, 18841.6])
def test_ticks_are_round_and_stay_under_the_top(top):
    ticks = flow_svg.nice_ticks(top)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] <= top < ticks[-1] + step  # the axis is covered, nothing drawn above it
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert re.fullmatch(r"[125]0*", str(step)) and 2 <= len(ticks) <= 9
