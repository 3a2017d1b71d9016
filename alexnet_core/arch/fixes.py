"""Concrete ways out when a network cannot take its input: each one checked by tracing it.

A fix is a sentence plus what to apply (a new spec and/or a new input size), so the
page can offer it as a button. Only fixes that really make ``trace`` succeed are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from alexnet_core.arch.plan import Kind, Step, layer_plan
from alexnet_core.arch.shapes import ShapeError, trace
from alexnet_core.spec.parse import LIMITS
from alexnet_core.spec.types import ArchSpec, ConvBlock

MAX_FIXES = 5


@dataclass(frozen=True)
class Fix:
    text: str
    spec: ArchSpec | None = None  # apply this spec (None: keep the spec)
    size: int | None = None  # apply this input size (None: keep the size)


def _works(spec: ArchSpec, size: int) -> bool:
    try:
        trace(spec, size)
    except ShapeError:
        return False
    return True


def _set(spec: ArchSpec, block: int, pool: bool, **changes: int) -> ArchSpec:
    conv = spec.convs[block]
    new: ConvBlock = (replace(conv, pool=replace(conv.pool, **changes)) if pool and conv.pool is not None
                      else replace(conv, **changes))
    convs = list(spec.convs)
    convs[block] = new
    return replace(spec, convs=tuple(convs))


def _first_that_works(spec: ArchSpec, size: int, step: Step, field: str, values: range, text: str) -> Fix | None:
    """The first value of one setting of ``step`` (in the order given) that lets ``size`` through."""
    for v in values:
        cand = _set(spec, step.block, step.kind is Kind.POOL, **{field: v})
        if _works(cand, size):
            return Fix(text.format(label=step.label, v=v), spec=cand)
    return None


def _layer_fixes(spec: ArchSpec, size: int, upto: str) -> list[Fix]:
    """For every windowed layer up to the broken one, the smallest single change that works."""
    fixes: list[Fix | None] = []
    for step in layer_plan(spec):
        if not step.windowed:
            continue
        fixes.append(_first_that_works(spec, size, step, "stride", range(step.stride - 1, 0, -1),
                                       "lower {label}'s stride to {v}"))
        if step.kind is Kind.POOL:
            b = step.block
            cand = replace(spec, convs=tuple(replace(c, pool=None) if i == b else c for i, c in enumerate(spec.convs)))
            if _works(cand, size):
                fixes.append(Fix(f"switch {step.label} off", spec=cand))
            smallest = max(1, 2 * step.padding)  # a pool's padding may be at most half its window
            fixes.append(_first_that_works(spec, size, step, "kernel", range(step.kernel - 1, smallest - 1, -1),
                                           "shrink {label}'s window to {v}×{v}"))
        else:
            fixes.append(_first_that_works(spec, size, step, "padding",
                                           range(step.padding + 1, LIMITS["padding"][1] + 1),
                                           "raise {label}'s padding to {v}"))
            fixes.append(_first_that_works(spec, size, step, "kernel", range(step.kernel - 1, 0, -1),
                                           "shrink {label}'s kernel to {v}×{v}"))
        if step.label == upto:
            break
    return [f for f in fixes if f is not None]


def suggest(spec: ArchSpec, size: int, err: ShapeError) -> list[Fix]:
    """Concrete fixes, best first: the input size, the head, then single-layer changes."""
    fixes: list[Fix] = []
    if err.valid is not None:
        lo, hi = err.valid
        target = lo if size < lo else (hi if hi is not None else lo)
        if hi is None:
            fixes.append(Fix(f"raise the input to ≥ {lo} px", size=lo))
        elif lo == hi:
            fixes.append(Fix(f"set the input to {lo} px", size=lo))
        else:
            verb = "raise" if size < lo else "lower"
            fixes.append(Fix(f"{verb} the input to {target} px (it accepts {lo}–{hi})", size=target))
    collapsed = err.layer.startswith(("conv", "pool")) and min(err.size_in) < max(1, _window(spec, err.layer))
    if not spec.adaptive_pool:
        cand = replace(spec, adaptive_pool=True)
        if _works(cand, size):
            fixes.append(Fix("switch on the adaptive average pool before the classifier", spec=cand))
        try:
            got = _last_side(spec, size)
        except ShapeError:
            got = None
        if got is not None and 1 <= min(got) and max(got) <= LIMITS["feature_size"][1]:
            cand = replace(spec, feature_size=got)
            if _works(cand, size):
                fixes.append(Fix(f"let the classifier read {got[0]}×{got[1]} features", spec=cand))
    if collapsed or spec.adaptive_pool or len(fixes) < 2:
        fixes.extend(_layer_fixes(spec, size, err.layer))
    return fixes[:MAX_FIXES]


def _window(spec: ArchSpec, label: str) -> int:
    for s in layer_plan(spec):
        if s.label == label:
            return s.span - 2 * s.padding
    return 1


def _last_side(spec: ArchSpec, size: int) -> tuple[int, int]:
    """The side after the last windowed layer, ignoring the head's expectation."""
    free = replace(spec, adaptive_pool=True)
    rows = trace(free, size)
    last = [r for r in rows if r.step.windowed][-1]
    return last.out_shape[1], last.out_shape[2]
