"""The figures carry exactly the summary's numbers (AppTest cannot look inside plotly charts), in one style."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from alexnet_core.arch import explain
from alexnet_core.arch.explain import worked
from alexnet_core.arch.shapes import trace
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.figures import arch_scene, inside_scene, lab, style, training
from alexnet_core.inside.activations import Box
from alexnet_core.spec import presets


@pytest.mark.parametrize("vid", ["torchvision", "paper2012"])
def test_the_per_layer_chart_holds_every_weighted_layer_of_the_torchinfo_summary(vid):
    """The Architecture page draws from torchinfo's summary (ui/cache.summary): its chart's layers and sums."""
    v = presets.get(vid)
    s = summarize(v.spec, v.input_size)
    rows = arch_scene.weighted_layers(s)
    assert [r.name for r in rows] == [r.name for r in s.layers if r.params]
    assert sum(r.params for r in rows) == s.total_params
    assert sum(r.mult_adds for r in rows) == s.mult_adds


def test_share_chart_shows_the_lecture_point():
    s = summarize(presets.get("torchvision").spec, 224)
    params, macs = arch_scene.shares(s)
    assert 1 - params.conv_share == pytest.approx(s.classifier_param_share) and 1 - params.conv_share > 0.9
    assert macs.conv_share == pytest.approx(s.conv_mult_add_share) and macs.conv_share > 0.9


def test_worked_formula_uses_the_layer_numbers():
    rows = {r.label: r for r in trace(presets.get("torchvision").spec, 224)}
    w = worked(rows["conv1"])
    assert w.text == "⌊(224 − 11 + 2·2)/4⌋ + 1 = 55"
    assert w.folded == "⌊(224 − 11 + 2·2 + 4)/4⌋ = 55"
    assert worked(rows["relu1"]) is None
    w_unpadded = worked({r.label: r for r in trace(presets.get("unpadded_classic").spec, 227)}["conv1"])
    assert w_unpadded.out == 55 and w_unpadded.p == 0


def test_mosaic_places_each_tile_and_leaves_the_gaps_blank():
    tiles = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)
    out = style.mosaic(tiles, cols=2)
    assert out.shape == (3 * 3 - 1, 2 * 4 - 1)
    for i in range(5):
        y, x = style.tile_origin(i, 2, 2, 3)
        np.testing.assert_array_equal(out[y:y + 2, x:x + 3], tiles[i])
    assert np.isnan(out[2]).all() and np.isnan(out[:, 3]).all() and np.isnan(out[6:, 4:]).all()
    framed = style.mosaic(tiles[..., None].repeat(3, -1), cols=2, gap=2, pad=1, fill=1.0)
    assert framed.shape == (3 * 4, 2 * 5, 3) and (framed[0] == 1).all() and (framed[:, 0] == 1).all()
    np.testing.assert_array_equal(framed[5:7, 6:9, 0], tiles[3])


def test_every_figure_module_takes_its_colours_from_the_style():
    own = {p.name: re.findall(r"#[0-9A-Fa-f]{3,6}\b", p.read_text())
           for p in Path(style.__file__).parent.glob("*.py") if p.name != "style.py"}
    assert not any(own.values()), own


def test_the_highlight_is_one_colour_on_every_page():
    tv = presets.get("torchvision").spec
    window = lab.arith_figure(explain.layer_inputs(tv, 224)[0][1], 0).layout.shapes[0]
    box = inside_scene.rf_scene(inside_scene.png(np.zeros((8, 8, 3), np.uint8)), 8, 8, Box(1, 1, 3, 3), "rf").items[-1]
    assert window.line.color == box.stroke == style.HIGHLIGHT
    assert window.fillcolor == style.HIGHLIGHT_FILL == "rgba(214, 39, 40, 0.15)"
    assert (box.fill, box.opacity) == (style.HIGHLIGHT, style.HIGHLIGHT_OPACITY)


def test_tile_captions_sit_in_their_tiles():
    aug = training.augment_grid(torch.rand(3, 3, 4, 4), ["a", "b", "c"], cols=2).layout.annotations
    assert [(a.x, a.y) for a in aug] == [(0.5, 0.5), (6.5, 0.5), (0.5, 6.5)]  # 1 px frame, 2 px between
