"""The checks every ONNX file gets before it is offered, and that ``verify`` runs on a file.

1. it parses and ``onnx.checker`` passes;
2. the content digest recorded at export still matches (a flipped byte in a weight shows here);
3. ONNX shape inference gives the output shape PyTorch gives;
4. onnxruntime agrees with PyTorch on a random input: max |ORT - PyTorch| <= ATOL + RTOL * max |PyTorch|
   (a bound that scales with the outputs, so huge but equal outputs pass on any summation order);
5. the initializers hold exactly the spec's parameters (plus BatchNorm running statistics).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import onnx
import torch
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from alexnet_core.arch import budget
from alexnet_core.arch.build import AlexNet, count_params
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.export.exporter import INPUT, Exported, content_digest, read_meta
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import ArchSpec, SpecError
from alexnet_core.weights.source import is_counter, load_state

PARITY_ATOL = 1e-4  # float32 logits of a sane network sit within ~10: this is the bound that bites there
PARITY_RTOL = 1e-5  # float32 sums in another order differ by ~1e-6 of their magnitude; 10x headroom


def parity_bound(reference: np.ndarray) -> float:
    """The largest |ORT - PyTorch| accepted for outputs like ``reference``."""
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    return PARITY_ATOL + PARITY_RTOL * scale if np.isfinite(scale) else float("nan")
MAX_VERIFY_BYTES = 1024 * 1024 * 1024  # refuse anything absurd


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped (not applicable to this file)
    detail: str


@dataclass
class Report:
    size_bytes: int
    sha256: str
    checks: list[Check] = field(default_factory=list)
    max_abs_diff: float | None = None
    parity_bound: float | None = None
    output_shape: tuple[int | str, ...] | None = None
    initializer_elements: int | None = None
    param_count: int | None = None
    proto: onnx.ModelProto | None = None  # the parsed file (None when it did not parse)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok is not False for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    def add(self, name: str, ok: bool | None, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok is not False


def check_export(exp: Exported, seed: int = 0) -> Report:
    """All checks on a fresh export, against the model it came from."""
    return check_bytes(exp.data, model=exp.model, spec=exp.spec, size=exp.size, seed=seed)


def check_bytes(data: bytes, *, model: AlexNet | None = None, spec: ArchSpec | None = None,
                size: tuple[int, int] | None = None, seed: int = 0) -> Report:
    """Run every check; a file that fails one early (unreadable) skips those that need it. Raises
    BudgetError, before building anything, when the file's recorded spec and size exceed the budget."""
    report = Report(len(data), hashlib.sha256(data).hexdigest())
    try:
        proto = onnx.load_from_string(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        report.add("parses", False, f"not a readable ONNX file: the protobuf does not decode ({type(exc).__name__})")
        return report
    report.proto = proto
    try:
        onnx.checker.check_model(data)  # the bytes as they are: no re-serialisation
        report.add("onnx.checker", True, f"valid ONNX (IR {proto.ir_version}, opset {_opset(proto)})")
    except UnicodeDecodeError:  # the checker's message quotes the damaged bytes
        report.add("onnx.checker", False, "onnx.checker rejects the file: a name or attribute is not valid text "
                   "(the file is corrupted)")
        return report
    except Exception as exc:  # ValidationError and the checker's other complaints
        report.add("onnx.checker", False, "onnx.checker rejects the file: " + _first_line(exc))
        return report
    meta = read_meta(proto)
    if "content_sha256" in meta:
        same = content_digest(proto) == meta["content_sha256"]
        report.add("content digest", same, "nodes and weights match the digest recorded at export" if same else
                   "the nodes or weights differ from what was exported: the file is corrupted or was edited")
    else:
        report.add("content digest", None, "no digest recorded (not written by AlexNet Explorer)")
    if model is None or spec is None or size is None:
        try:
            spec, size, model = _model_from_file(proto, meta)
        except budget.BudgetError:
            raise  # nothing built: the caller says the budget's sentence
        except ValueError as exc:
            report.add("PyTorch reference", None if "no AlexNet" in str(exc) else False, str(exc))
    try:
        _shape_check(report, proto, spec, size)
        _parity_check(report, data, proto, model, spec, size, seed)
        _initializer_check(report, proto, model)
    except Exception as exc:  # a damaged file can break a check in ways nobody lists
        report.add("file", False, f"the file breaks the checks ({type(exc).__name__}: {_first_line(exc)})")
    return report


def _model_from_file(proto: onnx.ModelProto, meta: dict[str, str]) -> tuple[ArchSpec, tuple[int, int], AlexNet]:
    """Rebuild the PyTorch model from the spec recorded in the file and the file's own weights."""
    if "spec" not in meta:
        raise ValueError("no AlexNet Explorer spec recorded: parity with PyTorch cannot be checked")
    try:
        spec = spec_from_json(meta["spec"])
        h, w = (int(v) for v in meta.get("input_size", "").split("x"))
    except (SpecError, ValueError) as exc:
        raise ValueError(f"the recorded spec or input size is unreadable ({_first_line(exc)})") from None
    try:
        budget.check(spec, h, w, work=budget.Work.EXPORT, batch=2)
    except ShapeError as exc:
        raise ValueError(f"the recorded input size does not fit the recorded spec ({_first_line(exc)})") from None
    state = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in proto.graph.initializer}
    return spec, (h, w), load_state(spec, state, "the file's weights (for its recorded spec)")


@functools.cache
def onnxruntime():  # noqa: ANN201 (the module)
    """onnxruntime, imported when first needed (heavy), with its telemetry off: it would otherwise
    write device details to a database under the user's home cache."""
    import onnxruntime as ort

    ort.disable_telemetry_events()
    return ort


def inferred_model(proto: onnx.ModelProto) -> onnx.ModelProto:
    """Shape inference on a weightless copy: initializers become typed inputs (fast: no 240 MB copy)."""
    # The outputs lose their declared shapes so that the shape check sees what inference derives.
    outputs = [onnx.helper.make_tensor_value_info(o.name, o.type.tensor_type.elem_type, None)
               for o in proto.graph.output]
    graph = onnx.helper.make_graph(
        list(proto.graph.node), proto.graph.name,
        list(proto.graph.input) + [onnx.helper.make_tensor_value_info(i.name, i.data_type, list(i.dims))
                                   for i in proto.graph.initializer],
        outputs)
    skeleton = onnx.helper.make_model(graph, opset_imports=list(proto.opset_import), ir_version=proto.ir_version)
    return onnx.shape_inference.infer_shapes(skeleton, strict_mode=True, data_prop=True)


def _dims(vi: onnx.ValueInfoProto) -> tuple[int | str, ...]:
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                 for d in vi.type.tensor_type.shape.dim)


def _shape_check(report: Report, proto: onnx.ModelProto, spec: ArchSpec | None,
                 size: tuple[int, int] | None) -> None:
    try:
        inferred = inferred_model(proto)
    except Exception as exc:  # onnx raises InferenceError and friends
        report.add("shape inference", False, "ONNX shape inference fails: " + _first_line(exc))
        return
    out = _dims(inferred.graph.output[0])
    report.output_shape = out
    if spec is None:
        report.add("shape inference", None, f"output {_fmt(out)} (no PyTorch shape to compare with)")
        return
    expected = spec.num_classes
    ok = len(out) == 2 and out[1] == expected and (out[0] == 1 or isinstance(out[0], str))
    report.add("shape inference", ok, f"ONNX infers {_fmt(out)}; PyTorch gives (N, {expected})")


def _parity_check(report: Report, data: bytes, proto: onnx.ModelProto, model: AlexNet | None,
                  spec: ArchSpec | None, size: tuple[int, int] | None, seed: int) -> None:
    if model is None or spec is None or size is None:
        report.add("onnxruntime parity", None, "skipped: no PyTorch model to compare with")
        return
    ort = onnxruntime()
    dynamic = not all(d.HasField("dim_value") for d in proto.graph.input[0].type.tensor_type.shape.dim)
    batch = 2 if dynamic else 1  # a dynamic batch axis is exercised with more than one image
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, spec.in_channels, *size, generator=gen)
    try:
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # the file as written
        opts.add_session_config_entry("session.disable_prepacking", "1")  # one run: packing costs more
        opts.add_session_config_entry("session.use_ort_model_bytes_directly", "1")
        opts.add_session_config_entry("session.use_ort_model_bytes_for_initializers", "1")  # no weight copy
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        got = sess.run(None, {INPUT: x.numpy()})[0]
    except Exception as exc:  # ORT raises its own exception types
        report.add("onnxruntime parity", False, "onnxruntime cannot run the file: " + _first_line(exc))
        return
    with torch.no_grad():
        want = model.eval()(x).numpy()
    if got.shape != want.shape:
        report.add("onnxruntime parity", False, f"onnxruntime gives {got.shape}, PyTorch {want.shape}")
        return
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    bound = parity_bound(want)
    report.max_abs_diff, report.parity_bound = diff, bound
    ok = bool(np.isfinite(diff)) and diff <= bound
    report.add("onnxruntime parity", ok, f"max |ORT − PyTorch| = {diff:.2e} on a random {tuple(x.shape)} input "
               f"(bound {PARITY_ATOL:.0e} + {PARITY_RTOL:.0e}·max|PyTorch| = {bound:.2e})")


def _initializer_check(report: Report, proto: onnx.ModelProto, model: AlexNet | None) -> None:
    total = sum(int(np.prod(i.dims, dtype=np.int64)) for i in proto.graph.initializer)
    report.initializer_elements = total
    if model is None:
        report.add("initializers", None, f"{total:,} weight elements (no spec to compare with)")
        return
    params = count_params(model)
    stats = sum(b.numel() for n, b in model.named_buffers() if not is_counter(n))
    report.param_count = params
    ok = total == params + stats
    extra = f" + {stats:,} BatchNorm running statistics" if stats else ""
    report.add("initializers", ok, f"{total:,} elements in the initializers; the spec has {params:,} parameters{extra}")


def _opset(proto: onnx.ModelProto) -> int:
    return next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 0)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _fmt(shape: tuple[int | str, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"
