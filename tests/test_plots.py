"""The figures carry exactly the summary's numbers (AppTest cannot look inside plotly charts)."""

import pytest

from alexnet_core.arch.explain import worked
from alexnet_core.arch.shapes import trace
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.figures import arch as plots
from alexnet_core.spec import presets


@pytest.mark.parametrize("vid", ["torchvision", "paper2012"])
def test_params_macs_figure_holds_every_weighted_layer(vid):
    v = presets.get(vid)
    s = summarize(v.spec, v.input_size)
    fig = plots.params_macs_figure(s)
    params, macs = fig.data
    weighted = [r for r in s.layers if r.params]
    assert list(params.x) == [r.name for r in weighted]
    assert sum(params.y) == s.total_params
    assert sum(macs.y) == s.mult_adds


def test_share_figure_shows_the_lecture_point():
    s = summarize(presets.get("torchvision").spec, 224)
    conv, rest = plots.share_figure(s).data
    assert rest.x[0] == pytest.approx(s.classifier_param_share) and rest.x[0] > 0.9
    assert conv.x[1] == pytest.approx(s.conv_mult_add_share) and conv.x[1] > 0.9


def test_worked_formula_uses_the_layer_numbers():
    rows = {r.label: r for r in trace(presets.get("torchvision").spec, 224)}
    w = worked(rows["conv1"])
    assert w.text == "⌊(224 − 11 + 2·2)/4⌋ + 1 = 55"
    assert w.folded == "⌊(224 − 11 + 2·2 + 4)/4⌋ = 55"
    assert worked(rows["relu1"]) is None
    w_unpadded = worked({r.label: r for r in trace(presets.get("unpadded_classic").spec, 227)}["conv1"])
    assert w_unpadded.out == 55 and w_unpadded.p == 0
