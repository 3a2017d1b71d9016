"""The export page's cache: a few exports kept as they are (bytes are not copied per hit), bounded in
bytes (``guard.limits.EXPORT_CACHE_BYTES``); each export is checked against the one budget first and
held in the server-wide ledger while it runs."""

from __future__ import annotations

import streamlit as st

from alexnet_core.arch import budget
from alexnet_core.arch.budget import BudgetError
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.export.exporter import ExportError, export_problem
from alexnet_core.export.run import ExportResult, export_and_check
from alexnet_core.guard import limits
from alexnet_core.guard.memory import ByteCache
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.source import Kind, WeightsSource, load_estimate


@st.cache_resource(show_spinner=False)  # one per server; st.cache_resource.clear() empties it
def _exports() -> ByteCache:
    return ByteCache(limits.EXPORT_CACHE_BYTES)


def _estimate(spec: ArchSpec, size: tuple[int, int], dynamic: bool) -> int:
    """The budget's bytes for this export; raises ExportError with its sentence when over it."""
    try:
        refused = export_problem(spec, size, dynamic)
    except ShapeError as err:
        raise ExportError(str(err)) from None
    if refused:
        raise ExportError(refused)
    return budget.work_bytes(spec, *size, work=budget.Work.EXPORT, batch=2 if dynamic else 1)


def export(spec: ArchSpec, size: tuple[int, int], opset: int, dynamic: bool, weights: WeightsSource) -> ExportResult:
    """Raises ExportError (never cached), with the budget's sentence before anything is built. The
    weights' key names a retrained checkpoint anew. A checkpoint's own spec is checked when it is read."""
    # A checkpoint's spec is inside its file: before it is read, the ledger holds what loading it takes.
    estimate = load_estimate(weights, spec) if weights.kind == Kind.CHECKPOINT else _estimate(spec, size, dynamic)
    key = (spec.to_json(indent=None), size, opset, dynamic, weights.key)
    try:
        return _exports().get(key, lambda: export_and_check(spec, size, opset=opset, dynamic_batch=dynamic,
                                                            weights=weights), estimate)
    except BudgetError as err:  # the server is busy right now
        raise ExportError(str(err)) from None
