"""Spec (+ weights) -> an ONNX file, with the spec and a content digest recorded inside it.

The TorchScript exporter (``dynamo=False``) traces the graph with ``export_params=False``, and
the weights are attached afterwards straight from the ``state_dict``. That keeps export fast
(the exporter never serialises 240 MB of weights twice), keeps every tensor under its PyTorch
name (no BatchNorm folding, no de-duplication of equal tensors), and lets ``verify`` rebuild
the PyTorch model from the file alone. Layers ONNX cannot express as they are get exact
stand-ins (``onnx_view``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import onnx
import torch
from torch import nn

from alexnet_core.arch import budget, shapes
from alexnet_core.arch.build import AlexNet
from alexnet_core.export.onnx_view import ExportView, WeightsAsInputs
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.source import Loaded, WeightsError, WeightsSource, load, without_counters

MIN_OPSET, MAX_OPSET, DEFAULT_OPSET = 9, 20, 17  # the TorchScript exporter's range (LRN, Gemm...)
INPUT, OUTPUT = "input", "output"
META_PREFIX = "alexnet_explorer."


class ExportError(ValueError):
    """Why an export cannot happen, in one sentence."""


@dataclass(frozen=True)
class Exported:
    data: bytes  # the .onnx file
    spec: ArchSpec
    model: AlexNet  # the PyTorch model the file came from (eval mode)
    size: tuple[int, int]
    opset: int
    dynamic_batch: bool
    weights: str
    note: str = ""  # said when a checkpoint's own spec and size were exported


def load_model(spec: ArchSpec, weights: WeightsSource, size: tuple[int, int] | None = None) -> Loaded:
    """The weights in their model: a checkpoint brings its own spec and trained size. Never downloads.
    Refused with the budget's sentence (before anything is built) when one image at ``size`` is too much."""
    try:
        return load(weights, spec, size=size)
    except WeightsError as exc:
        raise ExportError(str(exc)) from None
    except shapes.ShapeError as exc:
        raise ExportError(str(exc)) from None
    except (ValueError, RuntimeError) as exc:
        raise ExportError(f"the spec does not build: {exc}") from None


def export_problem(spec: ArchSpec, size: tuple[int, int], dynamic_batch: bool = False) -> str | None:
    """The budget's sentence for exporting and checking ``spec`` at ``size``, or None (ShapeError: no fit)."""
    return budget.problem(spec, *size, work=budget.Work.EXPORT, batch=2 if dynamic_batch else 1)


def export(spec: ArchSpec, size: tuple[int, int], *, opset: int = DEFAULT_OPSET, dynamic_batch: bool = False,
           weights: WeightsSource = WeightsSource()) -> Exported:
    """Build (or load) the model and write it as ONNX bytes. A checkpoint is exported with its own
    spec at the size it was trained at (``size`` when the file does not say). Raises ExportError."""
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"opset {opset} is outside the exporter's range {MIN_OPSET}–{MAX_OPSET}")
    loaded = load_model(spec, weights, size)
    spec, model = loaded.spec, loaded.model
    h, w = size
    if loaded.trained and loaded.trained.input_size:
        h = w = loaded.trained.input_size
    try:
        refused = export_problem(spec, (h, w), dynamic_batch)
        trace = shapes.trace(spec, h, w)
    except shapes.ShapeError as exc:
        raise ExportError(str(exc)) from None
    if refused:
        raise ExportError(refused)
    view = ExportView(model, _feature_hw(trace, (h, w)))
    state = without_counters(view.state_dict())
    x = torch.zeros(1, spec.in_channels, h, w)
    buf = io.BytesIO()
    axes = {INPUT: {0: "batch"}, OUTPUT: {0: "batch"}} if dynamic_batch else None
    _quiet_exporter_log()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(WeightsAsInputs(view, list(state)), (x, *state.values()), buf, dynamo=False,
                              export_params=False, opset_version=opset, training=torch.onnx.TrainingMode.PRESERVE,
                              do_constant_folding=False, input_names=[INPUT, *state], output_names=[OUTPUT],
                              dynamic_axes=axes)
    except Exception as exc:  # the exporter's errors are long; keep the first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = first.split(" [Caused by")[0].split(" Please feel free")[0]
        raise ExportError(f"opset {opset} cannot express this network: {first[:300]}") from None
    proto = onnx.load_from_string(buf.getvalue())
    tensors = _weight_tensors(proto, model)
    meta = {"spec": spec.to_json(indent=None), "input_size": f"{h}x{w}", "weights": weights.label(),
            "dynamic_batch": str(dynamic_batch).lower(),
            "content_sha256": _digest(proto.graph, ((n, a.shape, _raw(a)) for n, a in tensors))}
    for key, value in meta.items():
        proto.metadata_props.add(key=META_PREFIX + key, value=value)
    proto.producer_name = "AlexNet Explorer"
    data = _with_initializers(proto.SerializeToString(), tensors)
    return Exported(data, spec, model, (h, w), opset, dynamic_batch, weights.label(), loaded.describe(size[0]))


@functools.cache  # patch torch once per process, not on every export
def _quiet_exporter_log() -> None:
    """torch 2.14's TorchScript exporter turns its C++ log on for good (it tests a function object
    for truth) and then prints the whole IR graph to stdout on any failure. Keep it off unless asked."""
    try:
        from torch.onnx._internal.torchscript_exporter import utils as ts
    except ImportError:  # a later torch moved it: nothing to fix there
        return

    @contextlib.contextmanager
    def setup_onnx_logging(verbose: bool):  # type: ignore[no-untyped-def]
        torch._C._jit_set_onnx_log_enabled(bool(verbose))
        try:
            yield
        finally:
            torch._C._jit_set_onnx_log_enabled(False)

    ts.setup_onnx_logging = setup_onnx_logging


def _weight_tensors(proto: onnx.ModelProto, model: nn.Module) -> list[tuple[str, np.ndarray]]:
    """The state_dict tensors behind the parameter inputs the exporter left; those inputs are dropped."""
    state = without_counters(model.state_dict())
    graph = proto.graph
    missing = [i.name for i in graph.input if i.name not in state and i.name != INPUT]
    if missing:
        raise ExportError(f"the exporter produced inputs with no weights behind them: {', '.join(missing)}")
    used = [i.name for i in graph.input if i.name in state]
    keep = [i for i in graph.input if i.name not in state]
    del graph.input[:]
    graph.input.extend(keep)
    return [(name, state[name].detach().cpu().contiguous().numpy()) for name in used]


def _raw(a: np.ndarray) -> memoryview:
    return memoryview(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))).cast("B")


def _with_initializers(model_bytes: bytes, tensors: list[tuple[str, np.ndarray]]) -> bytes:
    """Append each tensor as ``ModelProto{graph{initializer{...}}}``: protobuf merges concatenated
    messages, so the weights are copied once (into the file) instead of four times through onnx's
    Python objects."""
    chunks: list[bytes | memoryview] = [model_bytes]
    for name, array in tensors:
        header = onnx.TensorProto(name=name, dims=list(array.shape),
                                  data_type=onnx.helper.np_dtype_to_tensor_dtype(array.dtype)).SerializeToString()
        raw = _raw(array)
        tensor_len = len(header) + len(_tag(9)) + len(_varint(raw.nbytes)) + raw.nbytes
        graph_len = len(_tag(5)) + len(_varint(tensor_len)) + tensor_len
        chunks += [_tag(7), _varint(graph_len), _tag(5), _varint(tensor_len), header, _tag(9),
                   _varint(raw.nbytes), raw]
    return b"".join(chunks)


def _tag(field_number: int) -> bytes:  # a length-delimited field's key
    return _varint(field_number << 3 | 2)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def content_digest(proto: onnx.ModelProto) -> str:
    """SHA-256 over the nodes, the inputs/outputs and every initializer's bytes (not the metadata)."""
    return _digest(proto.graph, ((i.name, tuple(i.dims), i.raw_data) for i in proto.graph.initializer))


def _digest(graph: onnx.GraphProto, tensors: Iterable[tuple[str, tuple[int, ...], bytes | memoryview]]) -> str:
    h = hashlib.sha256()
    skeleton = onnx.GraphProto()
    skeleton.node.extend(graph.node)
    skeleton.input.extend(graph.input)
    skeleton.output.extend(graph.output)
    h.update(skeleton.SerializeToString(deterministic=True))
    for name, dims, raw in tensors:
        h.update(name.encode())
        h.update(repr([int(d) for d in dims]).encode())
        h.update(raw)
    return h.hexdigest()


def read_meta(proto: onnx.ModelProto) -> dict[str, str]:
    # A damaged file's key or value can come back as bytes (not valid UTF-8): it is not ours, skip it.
    return {p.key[len(META_PREFIX):]: p.value for p in proto.metadata_props
            if isinstance(p.key, str) and isinstance(p.value, str) and p.key.startswith(META_PREFIX)}


def _feature_hw(trace: list[shapes.LayerShape], size: tuple[int, int]) -> tuple[int, int]:
    feats = [s for s in trace if s.step.section == "features"]
    out = feats[-1].out_shape if feats else (0, *size)
    return int(out[1]), int(out[2])
