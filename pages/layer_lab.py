"""Layer Lab: bend every layer and watch the whole network follow."""

import streamlit as st

from alexnet_core.arch import budget
from alexnet_core.arch.shapes import ShapeError
from ui import charts, downloads, sidebar, state, tables
from ui.lab import controls as lab
from ui.lab import view as lab_view

cfg = sidebar.page_setup()
spec = state.current_spec()
preset = state.preset_spec()

st.title("Layer Lab")
st.caption(f"**{state.spec_label()}** at {spec.in_channels}×{cfg.size}×{cfg.size}. Change any layer; every "
           f"shape is recomputed. Input size, channels and classes are in the sidebar. {budget.STATEMENT}")

controls, results = st.columns([5, 7], gap="medium")
with controls:
    lab.reset_button()
    msg = st.session_state.get(lab.MSG)
    if msg:
        st.warning(msg, icon=":material/block:")
    lab.render_controls(spec, preset)
    with st.expander("Spec file (download / upload)"):
        lab_view.spec_files(spec)

with results:
    # Stateful tabs: only the open one is computed, so a slider rerun pays for one view.
    network, arith = st.tabs(["Network", "Convolution arithmetic"], key="lab_tab", on_change="rerun")
    if network.open:
        with network:
            try:
                result = lab_view.summary_or_problem(spec, cfg.size)
            except ShapeError as err:
                lab_view.show_collapse(spec, cfg.size, err)
            else:
                if isinstance(result, str):
                    st.error(result, icon=":material/block:")
                else:
                    lab_view.metrics(result)
                    charts.show(lab_view.flow_figure(spec, cfg.size), key="lab_flow")
                    lab_view.table(result, preset, cfg.size)
                    tables.copy_out(result)
                    downloads.card_button(spec, cfg.size, key="lab_card")
    if arith.open:
        with arith:
            lab_view.arithmetic(spec, cfg.size)
