"""Training: queue jobs that run in a separate process, watch their curves live, compare runs."""

import streamlit as st

from alexnet_core.training.store import ACTIVE
from ui import sidebar
from ui.training import panel

sidebar.page_setup()
panel.kick()

st.title("Training")
st.caption("Jobs run in a separate worker process, one per device at a time; keep exploring while they train. "
           "Runs, metrics and checkpoints live in the runs folder and survive reloads and restarts.")
panel.backend_line()

with st.expander("Set up a run", expanded=True):
    spec, label, cfg = panel.settings()
    if st.button("Start training", type="primary", icon=":material/play_arrow:", key="tr_start"):
        if panel.start(spec, label, cfg) is not None:
            st.toast("Queued")

with st.expander("Augmentation preview"):
    panel.augment_preview(cfg, spec)

runs = panel.store().list()
st.subheader("Runs")
if not runs:
    st.info("No runs yet: pick a preset above (the offline digits ones need no download) and press Start.")
    st.stop()
any_active = any(r.status in ACTIVE for r in runs)
st.fragment(run_every=panel.REFRESH_S if any_active else None)(panel.runs_overview)()

ids = [r.id for r in runs]
if st.session_state.get("tr_selected") not in ids:
    st.session_state["tr_selected"] = ids[0]
selected = st.selectbox("Run", ids, key="tr_selected",
                        format_func=lambda i: next(r.title for r in runs if r.id == i))
run = next(r for r in runs if r.id == selected)
active = run.status in ACTIVE
panel.run_actions(run)
st.fragment(run_every=panel.REFRESH_S if active else None)(panel.run_panel)(selected, active)

st.subheader("Compare runs")
panel.compare(runs)
