"""The memory budget: specs whose product would be absurd are refused before anything is built.

Stated on screen: at most ``MAX_PARAMS`` parameters, and at most ``MAX_BYTES`` of
float32 parameters plus one image's activations at the chosen input size.
"""

from __future__ import annotations

from alexnet_core.arch.shapes import trace
from alexnet_core.arch.table import BYTES_PER_VALUE, count_params
from alexnet_core.format import fmt_bytes, fmt_count
from alexnet_core.spec.types import ArchSpec

MAX_PARAMS = 500_000_000
MAX_BYTES = 4_000_000_000

STATEMENT = (f"Budget: at most {fmt_count(MAX_PARAMS)} parameters and {fmt_bytes(MAX_BYTES)} of float32 "
             "parameters + activations for one image; larger networks are refused, not built.")


def param_problem(spec: ArchSpec) -> str | None:
    """Size-independent check: too many parameters."""
    n = count_params(spec)
    if n > MAX_PARAMS:
        return (f"refused: {n:,} parameters ({fmt_count(n)}) is over the budget of {fmt_count(MAX_PARAMS)}; "
                "shrink the widest layer (often fc6: fewer channels into it, or a narrower hidden width)")
    return None


def memory_problem(spec: ArchSpec, height: int, width: int | None = None) -> str | None:
    """Parameters plus activations at this input; None when within budget.

    Raises ShapeError (from trace) when the input does not fit the network at all.
    """
    problem = param_problem(spec)
    if problem:
        return problem
    acts = 0
    for s in trace(spec, height, width):
        n = 1
        for d in s.out_shape:
            n *= d
        acts += n
    total = (count_params(spec) + acts) * BYTES_PER_VALUE
    if total > MAX_BYTES:
        return (f"refused: {fmt_bytes(total)} of parameters + activations at {height} px is over the "
                f"budget of {fmt_bytes(MAX_BYTES)}; use a smaller input or fewer channels")
    return None
