"""The shape engine: analytic figures against real forward passes, and its error messages."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import ShapeError, trace, valid_range, window_out
from alexnet_core.spec import presets
from alexnet_core.spec.parse import spec_from_dict, spec_from_json
from alexnet_core.spec.types import UNNAMED, ArchSpec, Classifier, ConvBlock, Pool, SpecError
from tests.helpers import forward_shapes


def test_the_issue_example_message():
    with pytest.raises(ShapeError) as err:
        trace(presets.get("unpadded_classic").spec, 224)
    msg = str(err.value)
    assert "accepts 227–258 px" in msg and "at 224 px" in msg and "5×5" in msg and "expects 6×6" in msg
    assert err.value.layer == "pool5" and err.value.size_in == (5, 5) and err.value.valid == (227, 258)


def test_errors_name_a_preset_but_not_an_unnamed_spec():
    spec = presets.get("torchvision").spec
    with pytest.raises(ShapeError) as named:
        trace(spec, 62)
    with pytest.raises(ShapeError) as unnamed:
        trace(spec.with_(name=UNNAMED), 62)
    assert str(named.value).startswith("the torchvision preset accepts")
    assert str(unnamed.value).startswith("this network accepts") and not ArchSpec().is_named


def test_collapse_names_the_first_failing_layer_and_its_input():
    with pytest.raises(ShapeError) as err:
        trace(presets.get("torchvision").spec, 62)
    assert err.value.layer == "pool5" and err.value.size_in == (2, 2)
    assert "any size ≥ 63 px" in str(err.value)


@pytest.mark.parametrize("n,k,s,p,expected", [(224, 11, 4, 0, 54), (224, 11, 4, 2, 55), (227, 11, 4, 0, 55),
                                              (55, 3, 2, 0, 27), (13, 3, 1, 1, 13)])
def test_conv_formula(n, k, s, p, expected):
    assert window_out(n, k, s, p) == expected


@pytest.mark.parametrize("n,k,s,p,d", [(32, 3, 1, 0, 2), (32, 5, 2, 1, 3), (17, 3, 2, 2, 4), (9, 3, 1, 0, 4)])
def test_dilated_formula_matches_pytorch(n, k, s, p, d):
    real = torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p,
                                      dilation=d).shape[-1]
    assert window_out(n, k, s, p, d) == real


def test_ceil_mode_matches_pytorch():
    for n in range(1, 40):
        for k, s, p in [(3, 2, 0), (2, 2, 0), (3, 2, 1), (3, 3, 1)]:
            if n + 2 * p < k:
                continue
            out = torch.nn.functional.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, ceil_mode=True).shape[-1]
            assert window_out(n, k, s, p, ceil_mode=True) == out, (n, k, s, p)


def test_non_square_input():
    rows = trace(presets.get("torchvision").spec, 96, 160)
    model = build_model(presets.get("torchvision").spec)
    assert [r.out_shape for r in rows] == [s for _, s in forward_shapes(model, torch.zeros(1, 3, 96, 160))]


def test_receptive_field_grows_as_documented():
    rows = {r.label: r for r in trace(presets.get("paper2012").spec, 227)}
    assert [rows[k].rf for k in ("conv1", "pool1", "conv2", "pool2", "conv3", "pool5")] == [11, 19, 51, 67, 99, 195]


# --- property test: random specs either match a real forward pass, or raise the clear error ---------

pools = st.one_of(st.none(), st.builds(
    Pool, kernel=st.integers(1, 4), stride=st.integers(1, 3), padding=st.integers(0, 1), ceil_mode=st.booleans()
).filter(lambda p: 2 * p.padding <= p.kernel))
blocks = st.builds(
    ConvBlock, out_channels=st.sampled_from([2, 4]), kernel=st.integers(1, 7), stride=st.integers(1, 4),
    padding=st.integers(0, 3), pool=pools, dilation=st.integers(1, 2),
)
specs = st.builds(
    ArchSpec, in_channels=st.integers(1, 3), convs=st.lists(blocks, min_size=1, max_size=4).map(tuple),
    feature_size=st.integers(1, 3).map(lambda n: (n, n)), adaptive_pool=st.booleans(),
    classifier=st.just(Classifier(hidden=(8,))), num_classes=st.just(3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs, h=st.integers(1, 64), w=st.integers(1, 64))
def test_random_specs_match_forward_or_raise_clear_error(spec, h, w):
    model = build_model(spec, seed=0)
    x = torch.zeros(1, spec.in_channels, h, w)
    try:
        rows = trace(spec, h, w)
    except ShapeError as err:
        assert err.layer and str(err).count(":") >= 1  # names the layer, the size, the valid range
        lo_hi = valid_range(spec)
        if lo_hi is not None:
            lo, hi = lo_hi
            assert not (lo <= h <= (hi or 10**9) and lo <= w <= (hi or 10**9))
        with pytest.raises(RuntimeError):  # PyTorch agrees the size is impossible
            forward_shapes(model, x)
        return
    assert [(r.label, r.out_shape) for r in rows] == forward_shapes(model, x)


@settings(max_examples=60, deadline=None)
@given(spec=specs)
def test_valid_range_is_exact(spec):
    rng = valid_range(spec)
    if rng is None:
        return
    lo, hi = rng
    trace(spec, lo, lo)
    if lo > 1:
        with pytest.raises(ShapeError):
            trace(spec, lo - 1, lo - 1)
    if hi is not None and hi < 4096:
        trace(spec, hi, hi)
        with pytest.raises(ShapeError):
            trace(spec, hi + 1, hi + 1)


@settings(max_examples=40, deadline=None)
@given(spec=specs)
def test_random_spec_json_round_trip(spec):
    assert spec_from_json(spec.to_json()) == spec


@pytest.mark.parametrize("bad,field", [
    ({"convs": []}, "convs"),
    ({"convs": [{"out_channels": 0, "kernel": 3}]}, "convs[0].out_channels"),
    ({"convs": [{"out_channels": 4, "kernel": "x"}]}, "convs[0].kernel"),
    ({"convs": [{"out_channels": 5, "kernel": 3, "groups": 2}], "in_channels": 4}, "convs[0].groups"),
    ({"convs": [{"out_channels": 4, "kernel": 3, "activation": "swishy"}]}, "convs[0].activation"),
    ({"convs": [{"out_channels": 4, "kernel": 3}], "evil": 1}, "evil"),
    ({"convs": [{"out_channels": 4, "kernel": 3, "pool": {"kernel": 2, "padding": 2}}]}, "convs[0].pool.padding"),
    ({"convs": [{"out_channels": 4, "kernel": 3}], "classifier": {"hidden": [10**9]}}, "classifier.hidden[0]"),
    ({"convs": [{"out_channels": 4, "kernel": 3}], "version": 99}, "version"),
    ([1, 2, 3], ""),
])
def test_malformed_specs_name_the_bad_field(bad, field):
    with pytest.raises(SpecError) as err:
        spec_from_dict(bad)
    assert err.value.field_path == field


def test_broken_json_is_a_spec_error():
    with pytest.raises(SpecError):
        spec_from_json(b"{not json")
