"""Every preset, straight from the registry: parameter counts, shapes, torchvision equivalence."""

import pytest
import torch
import torchvision

from alexnet_core.arch.build import build_model, count_params
from alexnet_core.arch.shapes import trace, valid_range
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets
from alexnet_core.spec.parse import spec_from_json
from tests.helpers import forward_shapes

IDS = presets.ids()

# The figures the foundation issue gives; the registry's own expected_params must agree.
ISSUE_COUNTS = {
    "paper2012": 60_965_224,
    "single_tower_lrn": 62_378_344,
    "torchvision": 61_100_840,
    "fashion_mnist": 58_299_082,
    "small_input": 57_029_322,
    "unpadded_classic": 62_378_344,
    "kaiming": 62_378_344,
}


@pytest.fixture(scope="module")
def models():
    return {vid: build_model(presets.get(vid).spec) for vid in IDS}


def test_registry_covers_the_course_presets():
    assert set(ISSUE_COUNTS) <= set(IDS)
    assert "batchnorm" in IDS


@pytest.mark.parametrize("vid", IDS)
def test_parameter_count(vid, models):
    v = presets.get(vid)
    n = count_params(models[vid])
    assert n == v.expected_params
    if vid in ISSUE_COUNTS:
        assert n == ISSUE_COUNTS[vid]


def test_batchnorm_adds_exactly_the_bn_affine_parameters(models):
    extra = count_params(models["batchnorm"]) - count_params(models["single_tower_lrn"])
    assert extra == 2 * 96 + 2 * 256


@pytest.mark.parametrize("vid", IDS)
def test_analytic_shapes_equal_forward_pass(vid, models):
    v = presets.get(vid)
    x = torch.randn(2, v.in_channels, v.input_size, v.input_size)
    real = forward_shapes(models[vid], x)
    analytic = [(s.label, s.out_shape) for s in trace(v.spec, v.input_size)]
    assert real == analytic


@pytest.mark.parametrize("vid", IDS)
def test_summary_matches_the_model(vid, models):
    v = presets.get(vid)
    s = summarize(v.spec, v.input_size)
    model = models[vid]
    assert s.total_params == s.trainable_params == count_params(model)
    assert [r.name for r in s.layers] == [lbl for lbl, _ in forward_shapes(
        model, torch.zeros(1, v.in_channels, v.input_size, v.input_size))]
    for row in s.layers:
        module = model.get_submodule(row.module)
        assert row.params == sum(p.numel() for p in module.parameters())
        if isinstance(module, torch.nn.Conv2d):
            _, c, h, w = row.output_shape
            per_out = module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            assert row.mult_adds == (per_out + 1) * c * h * w  # torchinfo counts the bias add too
        if isinstance(module, torch.nn.Linear):
            assert row.mult_adds == module.weight.numel() + module.bias.numel()
    assert s.mult_adds == sum(r.mult_adds for r in s.layers)


@pytest.mark.parametrize("vid", IDS)
def test_spec_json_round_trip(vid):
    spec = presets.get(vid).spec
    assert spec_from_json(spec.to_json()) == spec


@pytest.mark.parametrize("vid", IDS)
def test_default_input_is_valid(vid):
    v = presets.get(vid)
    lo, hi = valid_range(v.spec)
    assert lo <= v.input_size and (hi is None or v.input_size <= hi)


def test_torchvision_state_dict_loads_unchanged_and_matches():
    ours = build_model(presets.get("torchvision").spec, seed=1).eval()
    theirs = torchvision.models.alexnet(weights=None).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(ours(x), theirs(x))
    theirs.load_state_dict(build_model(presets.get("torchvision").spec, seed=2).state_dict(), strict=True)


def test_seeded_init_is_reproducible_and_seed_dependent():
    spec = presets.get("kaiming").spec
    a, b, c = (build_model(spec, seed=s).state_dict() for s in (7, 7, 8))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["features.0.weight"], c["features.0.weight"])


def test_init_schemes_follow_their_recipe():
    kaiming = build_model(presets.get("kaiming").spec, seed=0)
    linears = [m for m in kaiming.classifier if isinstance(m, torch.nn.Linear)]
    assert abs(linears[0].weight.std().item() - 0.01) < 1e-3 and linears[0].bias.abs().sum() == 0
    conv1 = kaiming.features[0]
    expected_std = (2.0 / (conv1.out_channels * 11 * 11)) ** 0.5  # fan_out, relu gain
    assert abs(conv1.weight.std().item() - expected_std) / expected_std < 0.05
    paper = build_model(presets.get("paper2012").spec, seed=0)
    convs = [m for m in paper.features if isinstance(m, torch.nn.Conv2d)]
    assert [float(c.bias.detach()[0]) for c in convs] == [0.0, 1.0, 0.0, 1.0, 1.0]


def test_torchvision_minimum_input_is_63():
    assert valid_range(presets.get("torchvision").spec) == (63, None)
    assert valid_range(presets.get("unpadded_classic").spec) == (227, 258)


def test_torchvision_final_receptive_field_is_195():
    rows = trace(presets.get("torchvision").spec, 224)
    pool5 = next(r for r in rows if r.label == "pool5")
    assert pool5.rf == 195 and pool5.jump == 32
