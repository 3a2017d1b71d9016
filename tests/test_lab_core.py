"""Layer Lab core: the analytic table against torchinfo and real forward passes, the URL encoding,
the budget, the fixes, the convolution arithmetic and the compare rows."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from alexnet_core.arch import budget, explain, fixes
from alexnet_core.arch.build import build_model
from alexnet_core.arch.build import count_params as real_count
from alexnet_core.arch.compare import (
    Entry,
    groups_saving,
    layer_rows,
    summarize_all,
    totals,
)
from alexnet_core.arch.shapes import ShapeError, trace
from alexnet_core.arch.table import analytic_summary, count_params
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets, url
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import SpecError
from tests.helpers import forward_shapes
from tests.lab_strategies import lab_specs

PRESETS = [v.id for v in presets.list_variants()]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("vid", PRESETS)
def test_analytic_table_equals_torchinfo_for_every_preset(vid):
    v = presets.get(vid)
    assert analytic_summary(v.spec, v.input_size) == summarize(v.spec, v.input_size)


@FAST
@given(spec=lab_specs(), size=hst.integers(8, 96))
def test_analytic_table_matches_a_real_forward_pass_or_raises(spec, size):
    try:
        table = analytic_summary(spec, size)
    except ShapeError:
        model = build_model(spec, seed=0)
        with pytest.raises(RuntimeError):  # torch refuses too (collapse or a classifier size mismatch)
            model.eval()(torch.zeros(1, spec.in_channels, size, size))
        return
    model = build_model(spec, seed=0)
    real = forward_shapes(model, torch.zeros(1, spec.in_channels, size, size))
    assert [(r.name, tuple(r.output_shape[1:])) for r in table.layers] == real
    assert table.total_params == real_count(model)
    assert table == summarize(spec, size)


@pytest.mark.parametrize("vid", PRESETS)
def test_url_round_trip_every_preset(vid):
    spec = presets.get(vid).spec
    token = url.encode(spec)
    assert token.startswith("v1.") and len(token) < 400
    assert url.decode(token) == spec


@FAST
@given(spec=lab_specs())
def test_url_round_trip_random_specs(spec):
    assert url.decode(url.encode(spec)) == spec


def _token(payload: bytes) -> str:
    return "v1." + base64.urlsafe_b64encode(zlib.compress(payload)).decode().rstrip("=")


@pytest.mark.parametrize("token, field", [
    ("v2.abc", "spec (URL)"),
    ("v1.!!!not-base64", "spec (URL)"),
    ("v1." + base64.urlsafe_b64encode(b"plain bytes").decode(), "spec (URL)"),
    (_token(b"[1, 2"), "spec (URL)"),
    (_token(b" " * 200_000), "spec (URL)"),  # a zip bomb in miniature: refused before it is read
    (_token(json.dumps({"convs": [{"out_channels": 0, "kernel": 3}]}).encode()), "convs[0].out_channels"),
    (_token(json.dumps({"convs": [{"out_channels": 4, "kernel": 3}], "__class__": 1}).encode()), "__class__"),
    ("v1." + "A" * 5000, "spec (URL)"),
    (_token(b"[" * 5000 + b"]" * 5000), "spec (URL)"),  # deeply nested: json.loads would recurse
    (_token(b'{"convs": [' * 2000 + b"]}" * 2000), "spec (URL)"),
    (_token(b'{"in_channels": ' + b"9" * 5000 + b', "convs": []}'), "spec (URL)"),  # int() of 5,000 digits
    (_token(b'{"convs": [{"out_channels": -' + b"1" * 5000 + b', "kernel": 3}]}'), "spec (URL)"),
])
def test_bad_tokens_name_the_field(token, field):
    with pytest.raises(SpecError) as info:
        url.decode(token)
    assert info.value.field_path == field
    assert "\n" not in str(info.value) and len(str(info.value)) < 300  # one sentence, not a dump of the value


def test_budget_refuses_absurd_specs_without_building():
    tv = presets.get("torchvision").spec
    assert budget.memory_problem(tv, 224) is None
    wide = replace(tv, classifier=replace(tv.classifier, hidden=(16384, 16384, 16384)))
    assert count_params(wide) > budget.MAX_PARAMS
    assert "refused" in budget.param_problem(wide)
    big = replace(tv, convs=tuple(replace(c, stride=1, pool=None) for c in tv.convs))
    msg = budget.memory_problem(big, 2048)
    assert msg and "refused" in msg and "GB" in msg


@pytest.mark.parametrize("vid, size", [("torchvision", 40), ("unpadded_classic", 224), ("paper2012", 300),
                                       ("d2l", 100)])
def test_every_suggested_fix_really_works(vid, size):
    spec = presets.get(vid).spec
    with pytest.raises(ShapeError) as info:
        trace(spec, size)
    found = fixes.suggest(spec, size, info.value)
    assert found
    for fix in found:
        trace(fix.spec or spec, fix.size or size)  # does not raise


def test_stride_fix_names_the_layer_and_value():
    tv = presets.get("torchvision").spec
    spec = replace(tv, convs=(replace(tv.convs[0], stride=5),) + tv.convs[1:])
    with pytest.raises(ShapeError) as info:
        trace(spec, 64)
    assert info.value.layer == "pool5"
    texts = [f.text for f in fixes.suggest(spec, 64, info.value)]
    stride_fix = next(t for t in texts if "conv1's stride" in t)
    s = int(stride_fix.rsplit(" ", 1)[1])
    assert s == 4  # the largest stride that works, checked both ways:
    trace(replace(spec, convs=(replace(spec.convs[0], stride=s),) + spec.convs[1:]), 64)
    with pytest.raises(ShapeError):
        trace(replace(spec, convs=(replace(spec.convs[0], stride=s + 1),) + spec.convs[1:]), 64)


def test_fifty_four_versus_fifty_five():
    x = torch.zeros(1, 1, 224, 224)
    for p in (0, 1, 2):
        real = torch.nn.Conv2d(1, 1, 11, 4, p)(x).shape[-1]
        assert explain.Arith(224, 11, 4, p).out == real
    assert explain.Arith(224, 11, 4, 0).out == 54 and explain.Arith(224, 11, 4, 2).out == 55
    lines = explain.fifty_four_vs_55()
    assert "= 54" in lines[0] and "= 55" in lines[1] and "4 in total" in lines[1]
    steps = explain.Arith(224, 11, 4, 2).steps()
    assert "2·2 = 4 in total" in steps[0] and steps[-1].endswith("= 55.")


@settings(max_examples=60, deadline=None)
@given(n=hst.integers(1, 300), k=hst.integers(1, 31), s=hst.integers(1, 16), p=hst.integers(0, 32))
def test_drawing_keeps_the_layers_story(n, k, s, p):
    a = explain.Arith(n, k, s, p)
    d, shrunk = explain.drawable(a)
    assert (d.k, d.s, d.p) == (a.k, a.s, a.p)
    if a.out >= 1:
        assert d.leftover == a.leftover
        assert d.out >= min(a.out, 2)
        real = torch.nn.functional.conv2d(torch.zeros(1, 1, d.n, d.n), torch.zeros(1, 1, d.k, d.k), stride=d.s,
                                          padding=d.p).shape[-1]
        assert d.out == real
        assert len(d.starts()) == d.out and d.starts()[-1] + d.eff_k <= d.padded
    if shrunk:
        assert d.n < a.n


def test_layer_inputs_follow_the_trace_and_stop_at_the_collapse():
    tv = presets.get("torchvision").spec
    rows = {r.label: r for r in trace(tv, 224)}
    for label, a in explain.layer_inputs(tv, 224):
        assert a.out == rows[label].out_shape[1]
    broken = explain.layer_inputs(tv, 40)
    assert broken[-1][1].out < 1 and all(a.out >= 1 for _, a in broken[:-1])


def test_compare_rows_and_the_two_gpu_saving():
    ids = ["paper2012", "torchvision", "fashion_mnist"]
    entries = [Entry(i, presets.get(i).spec, presets.get(i).input_size) for i in ids]
    results = summarize_all(entries)
    tot = totals(results)
    for row, i in zip(tot, ids, strict=True):
        assert row["parameters"] == real_count(build_model(presets.get(i).spec, seed=0))
    paper = presets.get("paper2012").spec
    ungrouped = replace(paper, convs=tuple(replace(c, groups=1) for c in paper.convs))
    saving = real_count(build_model(ungrouped, device="meta")) - real_count(build_model(paper, device="meta"))
    assert tot[0]["saved by groups"] == groups_saving(paper) == saving and 1.3e6 < saving < 1.5e6
    rows = {r["layer"]: r for r in layer_rows(results)}
    assert rows["lrn1"]["torchvision: output"] == "—" and rows["lrn1"]["differs"] == "✎"
    assert rows["conv1"]["torchvision: params"] == 64 * 3 * 11 * 11 + 64


def test_compare_reports_a_spec_that_cannot_take_its_size():
    results = summarize_all([Entry("a", presets.get("torchvision").spec, 224),
                             Entry("b", presets.get("unpadded_classic").spec, 224)])
    assert results[1].summary is None and "227–258" in results[1].problem
    assert totals(results)[1]["parameters"] is None


def test_spec_json_upload_format_round_trips():
    spec = presets.get("batchnorm").spec
    assert spec_from_json(spec.to_json()) == spec
