"""Export: the current spec (or a checkpoint's own) as an ONNX file, checked against PyTorch before it is offered."""

import streamlit as st

from ui import sidebar, state
from ui.export import view

cfg = sidebar.page_setup()
spec = state.current_spec()

st.title("Export to ONNX")
st.caption(f"**{state.spec_label()}** at {cfg.in_channels}×{cfg.size}×{cfg.size} (change it in the sidebar). "
           "Every file is checked — onnx.checker, ONNX shape inference, onnxruntime against PyTorch — "
           "before it is offered for download.")

chosen = view.settings()
if chosen is None:
    st.stop()
weights, opset, dynamic = chosen
result = view.run(spec, cfg.size, weights, opset, dynamic)
if result is None:
    st.stop()
view.report(result)
view.graph(result)
view.netron(result)
