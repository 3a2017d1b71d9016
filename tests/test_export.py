"""ONNX export of every preset, checked against real PyTorch forward passes and onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from alexnet_core.arch.build import build_model, count_params
from alexnet_core.arch.shapes import valid_range
from alexnet_core.export.checks import (
    check_bytes,
    check_export,
    inferred_model,
    parity_bound,
)
from alexnet_core.export.exporter import ExportError, export
from alexnet_core.export.graph import graph_dot, node_rows
from alexnet_core.spec import presets as variants
from alexnet_core.weights.checkpoint import save_checkpoint
from alexnet_core.weights.imagenet import cache_path as pretrained_path
from alexnet_core.weights.source import Kind, WeightsSource
from tests.helpers import forward_shapes


def small_side(vid: str) -> int:
    """The smallest input the preset accepts (fast), except the presets whose range is narrow."""
    lo, _hi = valid_range(variants.get(vid).spec)
    return max(lo, 64) if lo < variants.get(vid).input_size else lo


def ort_output(data: bytes, x: torch.Tensor) -> np.ndarray:
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x.numpy()})[0]


@pytest.mark.parametrize("vid", variants.ids())
def test_every_preset_exports_and_passes_its_checks(vid):
    v = variants.get(vid)
    side = small_side(vid)
    exp = export(v.spec, (side, side), weights=WeightsSource(seed=1))
    report = check_export(exp)
    assert report.passed, [c for c in report.checks if c.ok is not True]
    assert {c.name for c in report.checks} >= {"onnx.checker", "shape inference", "onnxruntime parity", "initializers"}
    onnx.checker.check_model(exp.data)  # independently of the report
    assert report.max_abs_diff is not None and report.max_abs_diff <= report.parity_bound

    # The initializers hold the spec's parameters: the course material's figure, and PyTorch's count.
    proto = onnx.load_from_string(exp.data)
    elements = sum(int(np.prod(i.dims)) for i in proto.graph.initializer)
    bn_stats = sum(b.numel() for n, b in exp.model.named_buffers() if "running" in n)
    assert elements == count_params(exp.model) + bn_stats == v.expected_params + bn_stats

    # ONNX shape inference: the output and every Conv/pool output match a real forward pass.
    inferred = inferred_model(proto)
    rows = node_rows(inferred)
    x = torch.randn(1, v.in_channels, side, side)
    real = [shape for label, shape in forward_shapes(exp.model, x) if label.startswith(("conv", "pool"))]
    onnx_shapes = [r.output_shape for r in rows if r.op in ("Conv", "MaxPool")]
    assert onnx_shapes == ["1×" + "×".join(map(str, s)) for s in real]
    assert rows[-1].output_shape == f"1×{v.num_classes}"


def test_graph_view_of_the_2012_paper_shows_groups_lrn_and_shapes():
    v = variants.get("paper2012")
    exp = export(v.spec, (227, 227), dynamic_batch=True)
    rows = node_rows(inferred_model(onnx.load_from_string(exp.data)))
    convs = [r for r in rows if r.op == "Conv"]
    assert [("group 2" in r.attributes) for r in convs] == [False, True, False, True, True]
    assert convs[0].attributes.startswith("group 1 · kernel 11×11 · pads 0,0,0,0 · stride 4×4")
    assert convs[0].output_shape == "batch×96×55×55" and convs[0].weights == "96×3×11×11, 96"
    lrns = [r for r in rows if r.op == "LRN"]
    assert len(lrns) == 2 and all("size 5" in r.attributes and "bias 2" in r.attributes for r in lrns)
    dot = graph_dot(inferred_model(onnx.load_from_string(exp.data)))
    assert dot.startswith("digraph") and dot.count("LRN\\n") == 2 and "batch×3×227×227" in dot
    assert dot.count(" -> ") == len([r for r in rows if r.op != "Constant"]) + 1  # a chain, input to output


def test_dynamic_batch_runs_any_batch_size():
    v = variants.get("small_input")
    exp = export(v.spec, (64, 64), dynamic_batch=True)
    x = torch.randn(5, 1, 64, 64)
    with torch.no_grad():
        want = exp.model(x).numpy()
    got = ort_output(exp.data, x)
    assert got.shape == (5, 10) and np.abs(got - want).max() <= parity_bound(want)


def test_impossible_exports_say_why():
    with pytest.raises(ExportError, match="227–258 px"):
        export(variants.get("unpadded_classic").spec, (224, 224))
    with pytest.raises(ExportError, match="opset 10 cannot express.*cumsum"):
        export(variants.get("small_input").spec, (64, 64), opset=10)  # adaptive 1x1 -> 6x6 needs CumSum
    with pytest.raises(ExportError, match="outside the exporter's range"):
        export(variants.get("torchvision").spec, (224, 224), opset=99)
    with pytest.raises(ExportError, match="not on this machine"):
        export(variants.get("torchvision").spec, (224, 224), weights=WeightsSource(Kind.PRETRAINED))
    with pytest.raises(ExportError, match="outside"):
        export(variants.get("torchvision").spec, (224, 224), weights=WeightsSource(Kind.CHECKPOINT, checkpoint="../x.pt"))


def test_checkpoint_and_cached_pretrained_weights_are_the_ones_exported(tmp_path):
    from alexnet_core import paths

    v = variants.get("small_input")
    trained = build_model(v.spec, seed=5).eval()
    save_checkpoint(paths.runs_dir() / "run1" / "last.pt", v.spec, trained)
    exp = export(variants.get("torchvision").spec, (64, 64), weights=WeightsSource(Kind.CHECKPOINT, checkpoint="run1/last.pt"))
    assert exp.spec == v.spec  # the checkpoint's own spec wins
    x = torch.randn(2, 1, 64, 64)
    with torch.no_grad():
        want = trained(x[:1]).numpy()
    assert np.abs(ort_output(exp.data, x[:1]) - want).max() <= parity_bound(want)

    tv = variants.get("torchvision")
    pretrained_path().parent.mkdir(parents=True, exist_ok=True)
    imagenet_like = build_model(tv.spec, seed=9)
    torch.save(imagenet_like.state_dict(), pretrained_path())
    exp = export(tv.spec, (63, 63), weights=WeightsSource(Kind.PRETRAINED))
    proto = onnx.load_from_string(exp.data)
    w = next(i for i in proto.graph.initializer if i.name == "features.0.weight")
    assert np.array_equal(onnx.numpy_helper.to_array(w), imagenet_like.features[0].weight.detach().numpy())


def test_a_checkpoint_is_exported_at_the_size_it_was_trained_at():
    from alexnet_core import paths
    from alexnet_core.weights.checkpoint import TrainedWith

    v = variants.get("small_input")
    save_checkpoint(paths.runs_dir() / "run2" / "model.pt", v.spec, build_model(v.spec, seed=5),
                    trained=TrainedWith(input_size=72, dataset="digits"))
    exp = export(variants.get("torchvision").spec, (224, 224),
                 weights=WeightsSource(Kind.CHECKPOINT, checkpoint="run2/model.pt"))
    assert exp.spec == v.spec and exp.size == (72, 72)
    assert "checkpoint's own spec" in exp.note and "trained at 72 px on digits" in exp.note
    assert check_export(exp).passed


@pytest.mark.parametrize("where", ["key", "value"])
def test_a_metadata_entry_that_is_not_utf8_is_skipped_not_a_typeerror(where):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["logits"])], "g", [x],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.metadata_props.add(key="alexnet_explorer.spec", value="{}")
    data = model.SerializeToString()
    at = data.find(b"alexnet_explorer.spec" if where == "key" else b"{}")
    broken = data[:at] + b"\xff" + data[at + 1:]  # a flipped byte: no longer valid UTF-8
    report = check_bytes(broken)
    assert report.checks and not any("TypeError" in c.detail for c in report.checks)


def test_a_flipped_weight_byte_fails_the_digest_and_a_cut_file_does_not_parse():
    v = variants.get("small_input")
    data = export(v.spec, (64, 64)).data
    proto = onnx.load_from_string(data)
    raw = proto.graph.initializer[-2].raw_data  # classifier.6.weight
    at = data.find(raw[1000:1064]) + 3  # a byte inside that weight
    broken = bytearray(data)
    broken[at] ^= 0x40
    report = check_bytes(bytes(broken))
    # What must hold: the digest catches the edit and the file is refused. Whether the flipped
    # weight (here ~1e36) also trips parity depends on the machine's float summation order.
    assert not report.passed
    digest = next(c for c in report.checks if c.name == "content digest")
    assert digest.ok is False and "corrupted" in digest.detail
    cut = check_bytes(data[: len(data) // 3])
    assert not cut.passed and "not a readable ONNX file" in cut.failures[0].detail
