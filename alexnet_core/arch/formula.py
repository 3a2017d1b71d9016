"""The output-size formula with a layer's own numbers plugged in, for the page and the notes."""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_core.arch.plan import Kind
from alexnet_core.arch.shapes import LayerShape


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
    if st.kind not in (Kind.CONV, Kind.POOL):
        return None
    return Worked(st.label, shape.in_shape[axis], st.kernel, st.stride, st.padding, st.dilation,
                  shape.out_shape[axis], st.ceil_mode)
