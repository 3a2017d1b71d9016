"""Convolution arithmetic for one layer: the window sliding over the padded input, step by step.

Works on one axis (the layer's height; AlexNet's layers are square). When the real
input is too big to draw, ``drawable`` shrinks it to the smallest size that keeps the
layer's own kernel, stride and padding *and* the same leftover at the far edge, so the
picture tells the same story as the real numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_core.arch.shapes import conv_out
from alexnet_core.spec.types import ArchSpec

MAX_DRAW = 40  # cells per side of the padded input in the drawing


@dataclass(frozen=True)
class Arith:
    n: int  # input side
    k: int
    s: int
    p: int
    d: int = 1

    @property
    def eff_k(self) -> int:
        return self.d * (self.k - 1) + 1

    @property
    def padded(self) -> int:
        return self.n + 2 * self.p

    @property
    def out(self) -> int:
        return conv_out(self.n, self.k, self.s, self.p, self.d)

    @property
    def room(self) -> int:
        """How far the window can travel inside the padded input."""
        return self.padded - self.eff_k

    @property
    def leftover(self) -> int:
        """Rows at the far edge that no window reaches (floor's remainder)."""
        return self.room % self.s if self.room >= 0 else 0

    def starts(self) -> list[int]:
        """Top-left row of each window, in padded coordinates."""
        return [i * self.s for i in range(max(self.out, 0))]

    def steps(self) -> list[str]:
        """The output size worked out in words and numbers, one line per step."""
        if self.room < 0:
            return [f"Padded input: {self.n} + 2·{self.p} = {self.padded}, smaller than the {self.eff_k}-wide window: "
                    "no output at all (the layer collapses)."]
        k = f"{self.eff_k} (= {self.d}·({self.k} − 1) + 1, dilated)" if self.d > 1 else f"{self.k}"
        return [
            f"1. Padding adds {self.p} on each side, 2·{self.p} = {2 * self.p} in total: "
            f"{self.n} + 2·{self.p} = {self.padded}.",
            f"2. The {k}-wide window starts flush at the top: it can move {self.padded} − {self.eff_k} = {self.room} "
            "rows further.",
            f"3. In steps of {self.s}: ⌊{self.room} / {self.s}⌋ = {self.room // self.s} moves"
            + (f", with {self.leftover} row{'s' if self.leftover != 1 else ''} left over that no window covers."
               if self.leftover else ", landing exactly on the far edge."),
            f"4. Positions = moves + 1 (the starting one): {self.room // self.s} + 1 = {self.out}.",
            f"So out = ⌊({self.n} + 2·{self.p} − {self.eff_k}) / {self.s}⌋ + 1 = {self.out}.",
        ]

    def with_padding(self, p: int) -> Arith:
        return Arith(self.n, self.k, self.s, p, self.d)


def drawable(a: Arith, limit: int = MAX_DRAW) -> tuple[Arith, bool]:
    """(the layer to draw, whether it was shrunk): same k, s, p and leftover, fewer input rows."""
    if a.padded <= limit or a.room < 0:
        return a, False
    # As many window positions as fit the drawing (at least two when the real layer has two).
    moves = min(a.out - 1, max(1, (limit - a.eff_k - a.leftover) // a.s))
    n = a.eff_k - 2 * a.p + moves * a.s + a.leftover
    while n < 1:  # padding wider than the window: add positions until there is an input at all
        n += a.s
    small = Arith(max(n, 1), a.k, a.s, a.p, a.d)
    return small, small.n < a.n  # padding alone may be wider than the drawing: then nothing shrinks


def padding_table(a: Arith, paddings: tuple[int, ...] = (0, 1, 2, 3),
                  max_pad: int | None = None) -> list[dict[str, int | str]]:
    """What padding p really does to this layer: 2p more rows, and the output it gives (pools: p ≤ k/2)."""
    rows: list[dict[str, int | str]] = []
    for p in sorted(set(paddings) | {a.p}):
        if max_pad is not None and p > max_pad and p != a.p:
            continue
        b = a.with_padding(p)
        rows.append({"padding p": p, "rows added (2p)": 2 * p, "padded input": b.padded,
                     "formula": f"⌊({a.n} + {2 * p} − {b.eff_k}) / {a.s}⌋ + 1", "output": b.out})
    return rows


def fifty_four_vs_55() -> list[str]:
    """The course notes' puzzle, with real numbers: unpadded 11×11 stride 4 on 224 gives 54, not 55."""
    a, b, c = Arith(224, 11, 4, 0), Arith(224, 11, 4, 2), Arith(227, 11, 4, 0)
    wrong = (224 + 2 - 11) // 4 + 1  # adding p once instead of 2p
    return [
        f"224 px, 11×11, stride 4, no padding: ⌊(224 − 11) / 4⌋ + 1 = {a.out} (213 / 4 = 53.25, floored).",
        f"Pad by 2 (two rows on EACH side, 4 in total): ⌊(224 + 4 − 11) / 4⌋ + 1 = {b.out}.",
        f"Or feed 227 px unpadded, as the paper's code did: ⌊(227 − 11) / 4⌋ + 1 = {c.out}.",
        f"Adding p once instead of 2p is the slip: ⌊(224 + 2 − 11) / 4⌋ + 1 = {wrong}, still not 55.",
    ]


def layer_inputs(spec: ArchSpec, height: int) -> list[tuple[str, Arith]]:
    """Every conv and pool layer with the side it receives, up to and including the first that collapses.

    Works even when the whole network cannot take the input, so the page can draw the broken layer.
    """
    from alexnet_core.arch.plan import Kind, layer_plan

    out: list[tuple[str, Arith]] = []
    n = height
    for step in layer_plan(spec):
        if step.kind not in (Kind.CONV, Kind.POOL):
            continue
        a = Arith(n, step.kernel, step.stride, step.padding, step.dilation)
        out.append((step.label, a))
        if a.out < 1:
            break
        n = a.out if not step.ceil_mode else _ceil_out(a)
    return out


def _ceil_out(a: Arith) -> int:
    from alexnet_core.arch.shapes import pool_out

    return pool_out(a.n, a.k, a.s, a.p, True)
