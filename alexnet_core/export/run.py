"""One call for the page and the benchmark: export, check, and lay out the graph."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from alexnet_core.export.checks import Report, check_export, inferred_model
from alexnet_core.export.exporter import DEFAULT_OPSET, export
from alexnet_core.export.graph import NodeRow, graph_dot, node_rows
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.source import WeightsSource


@dataclass(frozen=True)
class ExportResult:
    data: bytes  # the .onnx file
    report: Report  # without the parsed proto (it would double the memory held)
    rows: list[NodeRow]
    dot: str
    file_name: str
    weights: str
    size: tuple[int, int]  # the size exported: a checkpoint's own when it says
    note: str = ""  # said when a checkpoint's own spec and size were exported
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def passed(self) -> bool:
        return self.report.passed


def export_and_check(spec: ArchSpec, size: tuple[int, int], *, opset: int = DEFAULT_OPSET,
                     dynamic_batch: bool = False, weights: WeightsSource = WeightsSource()) -> ExportResult:
    """Raises ExportError when the network cannot be exported at all."""
    t0 = time.perf_counter()
    exp = export(spec, size, opset=opset, dynamic_batch=dynamic_batch, weights=weights)
    t1 = time.perf_counter()
    report = check_export(exp)
    t2 = time.perf_counter()
    rows: list[NodeRow] = []
    dot = ""
    if report.proto is not None:
        try:
            inferred = inferred_model(report.proto)
            rows, dot = node_rows(inferred), graph_dot(inferred)
        except Exception:  # the shape check already reported why inference fails
            pass
    report.proto = None
    h, w = exp.size
    side = f"{h}" if h == w else f"{h}x{w}"
    name = f"{exp.spec.name}_{side}px_opset{opset}{'_dynbatch' if dynamic_batch else ''}.onnx"
    timings = {"export": t1 - t0, "checks": t2 - t1, "graph": time.perf_counter() - t2}
    return ExportResult(exp.data, report, rows, dot, name, exp.weights, exp.size, exp.note, timings)
