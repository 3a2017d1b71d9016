"""Analytic shapes, receptive fields and valid input sizes, with errors people can read.

Pure integer arithmetic over the layer plan: no tensors, no weights. The tests
check every figure here against a real forward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from alexnet_core.arch.plan import Kind, Step, effective_kernel, layer_plan
from alexnet_core.spec.types import ArchSpec

MAX_INPUT = 4096  # largest side the range search considers


@dataclass(frozen=True)
class LayerShape:
    step: Step
    in_shape: tuple[int, ...]  # (C, H, W) or (F,)
    out_shape: tuple[int, ...]
    rf: int  # receptive field side, in input pixels
    jump: float  # distance in input pixels between neighbouring outputs
    start: float  # centre of the first output's receptive field, in input pixel coordinates

    @property
    def label(self) -> str:
        return self.step.label


class ShapeError(ValueError):
    """An input size the network cannot take; says where, at what size, and what works."""

    def __init__(self, message: str, *, layer: str, size_in: tuple[int, int], valid: tuple[int, int | None] | None):
        self.layer = layer
        self.size_in = size_in
        self.valid = valid
        super().__init__(message)


def window_out(n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Output side of a conv or pool, as PyTorch computes it: ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1
    (⌈…⌉ with ceil_mode, where the last window must still start inside the input or left padding)."""
    room = n + 2 * p - effective_kernel(k, d)
    if not ceil_mode:
        return room // s + 1
    out = -(-room // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


def step_out(step: Step, n: int) -> int:
    """The side a windowed layer makes of an input side n."""
    return window_out(n, step.kernel, step.stride, step.padding, step.dilation, step.ceil_mode)


def adaptive_windows(n: int, out: int) -> list[tuple[int, int]]:
    """The [start, end) input rows each adaptive-pool output averages, as PyTorch slices them."""
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def _final_sides(plan: list[Step], n: int) -> tuple[int, str | None]:
    """Side after the trunk, and the first layer whose output collapses below 1 (if any)."""
    for step in plan:
        if step.windowed:
            n = step_out(step, n)
            if n < 1:
                return n, step.label
    return n, None


def valid_range(spec: ArchSpec) -> tuple[int, int | None] | None:
    """Smallest and largest input side the spec accepts (None: no upper bound; whole None: none)."""
    plan = [s for s in layer_plan(spec) if s.section == "features"]
    fh, fw = spec.feature_size
    need = math.isqrt(fh * fw)  # a square input ends square: its side squared must equal fh·fw

    def ok_low(n: int) -> bool:
        side, broken = _final_sides(plan, n)
        if broken:
            return False
        return spec.adaptive_pool or side >= need

    lo = _first_true(ok_low, 1, MAX_INPUT)
    if lo is None:
        return None
    if spec.adaptive_pool:
        return lo, None
    side, _ = _final_sides(plan, lo)
    if side * side != fh * fw:  # jumps straight past the size the classifier expects
        return None
    hi = _first_true(lambda n: _final_sides(plan, n)[0] > side, lo, MAX_INPUT)
    return lo, (hi - 1 if hi is not None else MAX_INPUT)


def _first_true(pred, lo: int, hi: int) -> int | None:  # type: ignore[no-untyped-def]
    """Binary search for the first n in [lo, hi] where a monotone predicate holds."""
    if not pred(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def describe_range(valid: tuple[int, int | None] | None) -> str:
    if valid is None:
        return "accepts no input size"
    lo, hi = valid
    if hi is None:
        return f"accepts any size ≥ {lo} px"
    return f"accepts {lo} px only" if lo == hi else f"accepts {lo}–{hi} px"


def trace(spec: ArchSpec, height: int, width: int | None = None) -> list[LayerShape]:
    """Every layer's output shape and receptive field; ShapeError for an impossible size."""
    width = height if width is None else width
    rows: list[LayerShape] = []
    c, h, w = spec.in_channels, height, width
    rf, jump, start = 1, 1.0, 0.5
    flat: int | None = None
    last_spatial = "the input"
    for step in layer_plan(spec):
        in_shape: tuple[int, ...] = (c, h, w) if flat is None else (flat,)
        if step.windowed:
            nh, nw = step_out(step, h), step_out(step, w)
            if nh < 1 or nw < 1:
                raise _collapse(spec, step, (h, w), (height, width))
            rf += (step.span - 1) * jump
            start += ((step.span - 1) / 2 - step.padding) * jump
            jump *= step.stride
            c, h, w = step.out_ch, nh, nw
            last_spatial = step.label
        elif step.kind is Kind.ADAPTIVE:
            oh, ow = spec.feature_size
            k = max(e - s for s, e in adaptive_windows(h, oh))
            rf += (k - 1) * jump
            start += (k - 1) / 2 * jump
            jump *= h / oh
            h, w = oh, ow
            last_spatial = step.label
        elif step.kind is Kind.FLATTEN:
            fh, fw = spec.feature_size
            if h * w != fh * fw:  # PyTorch only needs the flattened length to match (1×4 feeds a 2×2 head)
                raise _mismatch(spec, last_spatial, (h, w), (height, width))
            flat = c * h * w
        elif step.kind is Kind.LINEAR:
            flat = step.out_ch
        out_shape = (c, h, w) if flat is None else (flat,)
        rows.append(LayerShape(step, in_shape, out_shape, int(math.ceil(rf)), jump, start))
    return rows


def _who(spec: ArchSpec) -> str:
    return f"the {spec.name} preset" if spec.is_named else "this network"


def _collapse(spec: ArchSpec, step: Step, got: tuple[int, int], size: tuple[int, int]) -> ShapeError:
    valid = valid_range(spec)
    kind = "pool" if step.kind is Kind.POOL else "kernel"
    eff_k = step.span
    msg = (
        f"{_who(spec)} {describe_range(valid)}: at {_px(size)} {step.label} receives {_fmt(got)}, "
        f"smaller than its {eff_k}×{eff_k} {kind} even with padding {step.padding}"
    )
    return ShapeError(msg, layer=step.label, size_in=got, valid=valid)


def _mismatch(spec: ArchSpec, layer: str, got: tuple[int, int], size: tuple[int, int]) -> ShapeError:
    valid = valid_range(spec)
    fh, fw = spec.feature_size
    msg = (
        f"{_who(spec)} {describe_range(valid)}: at {_px(size)} its last {_kind_word(layer)} gives "
        f"{_fmt(got)}, but the classifier expects {fh}×{fw}"
    )
    return ShapeError(msg, layer=layer, size_in=got, valid=valid)


def _kind_word(label: str) -> str:
    return "pool" if label.startswith("pool") else "layer"


def _fmt(hw: tuple[int, int]) -> str:
    h, w = hw
    return f"{h}×{w}"


def _px(hw: tuple[int, int]) -> str:
    h, w = hw
    return f"{h} px" if h == w else f"{h}×{w} px"


def check_input(spec: ArchSpec, height: int, width: int | None = None) -> None:
    trace(spec, height, width)
