"""Two or more specs side by side: per-layer rows, totals, and what differs.

Layers are matched by label (conv1, pool1, fc6 ...), so a spec with BatchNorm or
LRN shows its extra layers as rows the others lack.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from alexnet_core.arch.shapes import ShapeError
from alexnet_core.arch.table import Summary, analytic_summary, count_params
from alexnet_core.format import fmt_shape
from alexnet_core.spec.types import ArchSpec


@dataclass(frozen=True)
class Entry:
    name: str  # short, for column headers: a preset id, or "session"
    spec: ArchSpec
    size: int
    title: str = ""  # the long name: a preset title or "✎ Edited (from ...)"


@dataclass(frozen=True)
class Result:
    entry: Entry
    summary: Summary | None
    problem: str | None  # why it has no table at this size


def summarize_all(entries: list[Entry]) -> list[Result]:
    out = []
    for e in entries:
        try:
            out.append(Result(e, analytic_summary(e.spec, e.size), None))
        except ShapeError as err:
            out.append(Result(e, None, str(err)))
    return out


def layer_rows(results: list[Result]) -> list[dict[str, object]]:
    """One row per layer label (in order of first appearance); columns '<name>: <quantity>'; 'differs'."""
    order: list[str] = []
    by_name: list[dict[str, object]] = []
    for r in results:
        layers = {row.name: row for row in r.summary.layers} if r.summary else {}
        for label in layers:
            if label not in order:
                order.append(label)
        by_name.append(layers)
    rows = []
    for label in order:
        row: dict[str, object] = {"layer": label}
        seen = []
        for r, layers in zip(results, by_name, strict=True):
            lr = layers.get(label)
            n = r.entry.name
            shape = fmt_shape(lr.output_shape[1:]) if lr else "—"
            row[f"{n}: output"] = shape
            row[f"{n}: params"] = lr.params if lr else None
            row[f"{n}: mult-adds"] = lr.mult_adds if lr else None
            row[f"{n}: RF"] = lr.receptive_field if lr else None
            seen.append((shape, lr.params if lr else None, lr.mult_adds if lr else None))
        row["differs"] = "✎" if len(set(seen)) > 1 else ""
        rows.append(row)
    return rows


def totals(results: list[Result]) -> list[dict[str, object]]:
    """Per spec: input, parameters, mult-adds, memory, and parameters relative to the first."""
    base = results[0].summary.total_params if results and results[0].summary else None
    rows = []
    for r in results:
        s = r.summary
        rows.append({
            "spec": r.entry.name,
            "what": r.entry.title or r.entry.name,
            "input": f"{r.entry.spec.in_channels}×{r.entry.size}×{r.entry.size}",
            "parameters": s.total_params if s else None,
            "Δ parameters vs first": (s.total_params - base) if s and base is not None else None,
            "saved by groups": groups_saving(r.entry.spec),
            "mult-adds": s.mult_adds if s else None,
            "param MB (fp32)": round(s.param_bytes / 1e6, 1) if s else None,
            "activation MB": round(s.activation_bytes / 1e6, 2) if s else None,
            "note": r.problem or "",
        })
    return rows


def groups_saving(spec: ArchSpec) -> int:
    """Parameters the grouped convs save against the same network with groups=1 (0 when ungrouped)."""
    flat = replace(spec, convs=tuple(replace(c, groups=1) for c in spec.convs))
    return count_params(flat) - count_params(spec)
