"""Spec (+ weights) -> an ONNX file, with the spec and a content digest recorded inside it.

The TorchScript exporter (``dynamo=False``) traces the graph with ``export_params=False``, and
the weights are attached afterwards straight from the ``state_dict``. That keeps export fast
(the exporter never serialises 240 MB of weights twice), keeps every tensor under its PyTorch
name (no BatchNorm folding, no de-duplication of equal tensors), and lets ``verify`` rebuild
the PyTorch model from the file alone. Two layers are swapped for exact ONNX equivalents:
``LocalResponseNorm`` becomes one ONNX ``LRN`` node (odd sizes), and an ``AdaptiveAvgPool2d``
whose input does not divide its output becomes explicit window means.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from alexnet_core import paths
from alexnet_core.arch import shapes
from alexnet_core.arch.build import AlexNet, build_model
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.checkpoint import CheckpointError, load_checkpoint
from alexnet_core.weights.checkpoint import list_checkpoints as _list_checkpoints
from alexnet_core.weights.source import cache_path as weights_cache_path

MIN_OPSET, MAX_OPSET, DEFAULT_OPSET = 9, 20, 17  # the TorchScript exporter's range (LRN, Gemm...)
INPUT, OUTPUT = "input", "output"
META_PREFIX = "alexnet_explorer."


class ExportError(ValueError):
    """Why an export cannot happen, in one sentence."""


@dataclass(frozen=True)
class Weights:
    """Where the weights come from: ``random`` (seeded), ``pretrained`` or ``checkpoint``."""

    kind: str = "random"
    seed: int = 0
    checkpoint: str | None = None  # a path relative to runs_dir()

    def label(self) -> str:
        if self.kind == "random":
            return f"random (seed {self.seed})"
        if self.kind == "checkpoint":
            return f"checkpoint {self.checkpoint}"
        return "pretrained (torchvision ImageNet)"


@dataclass(frozen=True)
class Exported:
    data: bytes  # the .onnx file
    spec: ArchSpec
    model: AlexNet  # the PyTorch model the file came from (eval mode)
    size: tuple[int, int]
    opset: int
    dynamic_batch: bool
    weights: str


def list_checkpoints() -> list[str]:
    """Checkpoint files under runs_dir(), as paths relative to it, newest first."""
    return _list_checkpoints(paths.runs_dir())


def pretrained_path() -> Path:
    """Where torchvision caches its AlexNet weights (TORCH_HOME honoured); never downloaded here."""
    return weights_cache_path()


def load_model(spec: ArchSpec, weights: Weights) -> tuple[ArchSpec, AlexNet]:
    """The spec to export (a checkpoint brings its own) and its model in eval mode."""
    if weights.kind == "checkpoint":
        if not weights.checkpoint:
            raise ExportError("choose a checkpoint to export")
        try:
            path = paths.inside(paths.runs_dir(), weights.checkpoint)
            spec, state, _meta = load_checkpoint(path)
        except (CheckpointError, ValueError) as exc:
            raise ExportError(str(exc)) from None
        return spec, _with_state(spec, state, f"checkpoint {weights.checkpoint}")
    if weights.kind == "pretrained":
        path = pretrained_path()
        if not path.is_file():
            raise ExportError(f"torchvision's AlexNet weights are not cached at {path}; "
                              "download them once with torchvision, or export random weights")
        state = torch.load(path, map_location="cpu", weights_only=True)
        return spec, _with_state(spec, state, "torchvision's pretrained weights")
    if weights.kind != "random":
        raise ExportError(f"unknown weights {weights.kind!r}; use random, pretrained or checkpoint")
    try:
        return spec, build_model(spec, seed=weights.seed).eval()
    except (ValueError, RuntimeError) as exc:
        raise ExportError(f"the spec does not build: {exc}") from None


def _with_state(spec: ArchSpec, state: dict[str, torch.Tensor], what: str) -> AlexNet:
    model = build_model(spec, seed=None)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise ExportError(f"{what} do not fit the {spec.name} spec (different layers or sizes); "
                          "pretrained weights fit the torchvision preset with 3 channels and 1000 classes") from None
    return model.eval()


def export(spec: ArchSpec, size: tuple[int, int], *, opset: int = DEFAULT_OPSET, dynamic_batch: bool = False,
           weights: Weights = Weights()) -> Exported:
    """Build (or load) the model and write it as ONNX bytes. Raises ExportError."""
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"opset {opset} is outside the exporter's range {MIN_OPSET}–{MAX_OPSET}")
    spec, model = load_model(spec, weights)
    h, w = size
    try:
        trace = shapes.trace(spec, h, w)
    except shapes.ShapeError as exc:
        raise ExportError(str(exc)) from None
    view = _ExportView(model, _feature_hw(trace, (h, w)))
    state = {k: v for k, v in view.state_dict().items() if not k.endswith("num_batches_tracked")}
    x = torch.zeros(1, spec.in_channels, h, w)
    buf = io.BytesIO()
    axes = {INPUT: {0: "batch"}, OUTPUT: {0: "batch"}} if dynamic_batch else None
    _quiet_exporter_log()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(_WeightsAsInputs(view, list(state)), (x, *state.values()), buf, dynamo=False,
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
    return Exported(data, spec, model, (h, w), opset, dynamic_batch, weights.label())


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
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
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
    return {p.key[len(META_PREFIX):]: p.value for p in proto.metadata_props if p.key.startswith(META_PREFIX)}


def _feature_hw(trace: list[shapes.LayerShape], size: tuple[int, int]) -> tuple[int, int]:
    feats = [s for s in trace if s.step.section == "features"]
    out = feats[-1].out_shape if feats else (0, *size)
    return int(out[1]), int(out[2])


class _LRNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):  # type: ignore[no-untyped-def, override]
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):  # type: ignore[no-untyped-def]
        # ONNX LRN divides alpha by size and sums over the same centred window as PyTorch (odd size).
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class _OnnxLRN(nn.Module):
    def __init__(self, lrn: nn.LocalResponseNorm) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = lrn.size, lrn.alpha, lrn.beta, lrn.k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LRNFunction.apply(x, self.size, float(self.alpha), float(self.beta), float(self.k))


class _WindowMeans(nn.Module):
    """AdaptiveAvgPool2d at one fixed input size, as window means from a running sum (CumSum,
    Gather: opset >= 11). Each window's mean is (S[end] - S[start]) / (end - start)."""

    def __init__(self, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> None:
        super().__init__()
        self.rows = shapes.adaptive_windows(in_hw[0], out_hw[0])
        self.cols = shapes.adaptive_windows(in_hw[1], out_hw[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _axis_means(x, 2, self.rows)  # (N, C, oh, W)
        return _axis_means(x, 3, self.cols)  # (N, C, oh, ow)


def _axis_means(x: torch.Tensor, dim: int, windows: list[tuple[int, int]]) -> torch.Tensor:
    shape = [-1] + [1] * (x.dim() - 1 - dim)  # broadcast along `dim`
    starts = torch.tensor([a for a, _ in windows])
    lasts = torch.tensor([b - 1 for _, b in windows])
    before = (starts - 1).clamp(min=0)
    has_before = (starts > 0).to(x.dtype).view(shape)  # S[-1] is 0
    lengths = (lasts - starts + 1).to(x.dtype).view(shape)
    running = torch.cumsum(x, dim)  # S[i] = x[0] + ... + x[i]
    total = running.index_select(dim, lasts) - running.index_select(dim, before) * has_before
    return total / lengths


class _WeightsAsInputs(nn.Module):
    """Runs the view with its weights passed in as inputs. With no parameters of its own, the
    exporter's graph-level shape inference never serialises 240 MB of weights (twice), which was
    over half the export time; the weight inputs become initializers afterwards."""

    def __init__(self, view: nn.Module, names: list[str]) -> None:
        super().__init__()
        object.__setattr__(self, "view", view)  # not registered: this module owns no parameters
        self.names = names

    def forward(self, x: torch.Tensor, *tensors: torch.Tensor) -> torch.Tensor:
        swapped = []
        for name, tensor in zip(self.names, tensors, strict=True):
            path, _, attr = name.rpartition(".")
            module = self.view.get_submodule(path)
            store = module._parameters if attr in module._parameters else module._buffers
            swapped.append((store, attr, store[attr]))
            store[attr] = tensor
        try:
            return self.view(x)
        finally:
            for store, attr, old in swapped:
                store[attr] = old


class _ExportView(nn.Module):
    """The same modules and parameter names as the AlexNet, with ONNX-friendly stand-ins."""

    def __init__(self, model: AlexNet, feature_hw: tuple[int, int]) -> None:
        super().__init__()
        self.features = nn.Sequential(*[_swap(m) for m in model.features])
        self.avgpool = model.avgpool
        if isinstance(model.avgpool, nn.AdaptiveAvgPool2d):
            out = model.spec.feature_size
            if any(i % o for i, o in zip(feature_hw, out, strict=True)):
                self.avgpool = _WindowMeans(feature_hw, tuple(out))  # type: ignore[arg-type]
        self.flatten = model.flatten
        self.classifier = model.classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.flatten(self.avgpool(self.features(x))))


def _swap(m: nn.Module) -> nn.Module:
    if isinstance(m, nn.LocalResponseNorm) and m.size % 2 == 1:
        return _OnnxLRN(m)
    return m
