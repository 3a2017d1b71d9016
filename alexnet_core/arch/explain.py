"""The output-size formula explained: worked out with a layer's own numbers, and step by step.

``worked`` plugs one layer's numbers into the formula (the Architecture page). ``Arith``
walks the window over the padded input of one axis (the Layer Lab; AlexNet's layers are
square). When the real input is too big to draw, ``drawable`` shrinks it to the smallest
size that keeps the layer's own kernel, stride and padding *and* the same leftover at the
far edge, so the picture tells the same story as the real numbers. The sizes themselves
come from ``shapes.window_out``: explaining never recomputes them another way.
"""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_core.arch.plan import effective_kernel, layer_plan
from alexnet_core.arch.shapes import LayerShape, step_out, window_out
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
        return effective_kernel(self.k, self.d)

    @property
    def padded(self) -> int:
        return self.n + 2 * self.p

    @property
    def out(self) -> int:
        return window_out(self.n, self.k, self.s, self.p, self.d)

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
    out: list[tuple[str, Arith]] = []
    n = height
    for step in layer_plan(spec):
        if not step.windowed:
            continue
        a = Arith(n, step.kernel, step.stride, step.padding, step.dilation)
        out.append((step.label, a))
        if a.out < 1:
            break
        n = step_out(step, n)
    return out


# ---------------------------------------------------------------- one layer, worked out


@dataclass(frozen=True)
class Worked:
    layer: str
    n: int
    k: int
    s: int
    p: int
    d: int
    out: int
    ceil_mode: bool

    @property
    def text(self) -> str:
        """⌊(224 − 11 + 2·2)/4⌋ + 1 = 55, as plain text."""
        k_eff = f"{self.d}·({self.k} − 1) − 1" if self.d > 1 else f"{self.k}"
        br = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        return f"{br[0]}({self.n} − {k_eff} + 2·{self.p})/{self.s}{br[1]} + 1 = {self.out}"

    @property
    def folded(self) -> str:
        """The same with the +1 folded into the numerator: ⌊(224 − 11 + 2·2 + 4)/4⌋ = 55."""
        if self.d > 1 or self.ceil_mode:
            return self.text
        return f"⌊({self.n} − {self.k} + 2·{self.p} + {self.s})/{self.s}⌋ = {self.out}"

    @property
    def latex(self) -> str:
        op = (r"\left\lceil", r"\right\rceil") if self.ceil_mode else (r"\left\lfloor", r"\right\rfloor")
        k_eff = rf"{self.d}\cdot({self.k}-1)-1" if self.d > 1 else f"{self.k}"
        return (
            rf"{op[0]}\frac{{{self.n} - {k_eff} + 2\cdot{self.p}}}{{{self.s}}}{op[1]} + 1 = {self.out}"
        )


def worked(shape: LayerShape, axis: int = 1) -> Worked | None:
    """axis 1 is height, 2 is width; None for layers without a sliding window."""
    st = shape.step
    if not st.windowed:
        return None
    return Worked(st.label, shape.in_shape[axis], st.kernel, st.stride, st.padding, st.dilation,
                  shape.out_shape[axis], st.ceil_mode)
