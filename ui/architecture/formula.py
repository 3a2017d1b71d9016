"""The Architecture page's "output size, worked out": a fragment, so picking a layer redraws the formula
and leaves the table and the charts above it as they are (nothing re-sent)."""

from __future__ import annotations

import streamlit as st

from alexnet_core.arch.explain import worked
from alexnet_core.spec.types import ArchSpec
from ui import cache


@st.fragment
def worked_out(spec: ArchSpec, size: int) -> None:
    windowed = [s for s in cache.shapes(spec, size) if worked(s) is not None]
    choice = st.selectbox("Layer", [s.label for s in windowed], key="arch_formula_layer")
    shape = next(s for s in windowed if s.label == choice)
    w = worked(shape)
    assert w is not None
    st.latex(r"\text{out} = \left\lfloor\frac{n + 2p - d(k-1) - 1}{s}\right\rfloor + 1")
    st.latex(w.latex)
    st.caption(f"Same thing with the +1 folded in: {w.folded}. Receptive field of one {choice} unit: "
               f"{shape.rf} px, neighbouring units {shape.jump:g} px apart.")
