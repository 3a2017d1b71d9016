"""Training: queue jobs that run in a separate process, watch their curves live, compare runs."""

import streamlit as st

from alexnet_core.store import ACTIVE
from ui import sidebar, train_ui

sidebar.page_setup()
train_ui.kick()

st.title("Training")
st.caption("Jobs run in a separate worker process, one per device at a time; keep exploring while they train. "
           "Runs, metrics and checkpoints live in the runs folder and survive reloads and restarts.")

with st.expander("Set up a run", expanded=True):
    spec, label, cfg = train_ui.settings()
    if st.button("Start training", type="primary", icon=":material/play_arrow:", key="tr_start"):
        if train_ui.start(spec, label, cfg) is not None:
            st.toast("Queued")

with st.expander("Augmentation preview"):
    train_ui.augment_preview(cfg, spec)

runs = train_ui.store().list()
st.subheader("Runs")
if not runs:
    st.info("No runs yet: pick a preset above (the offline digits ones need no download) and press Start.")
    st.stop()
any_active = any(r.status in ACTIVE for r in runs)
st.fragment(run_every=train_ui.REFRESH_S if any_active else None)(train_ui.runs_overview)()

ids = [r.id for r in runs]
if st.session_state.get("tr_selected") not in ids:
    st.session_state["tr_selected"] = ids[0]
selected = st.selectbox("Run", ids, key="tr_selected",
                        format_func=lambda i: next(r.title for r in runs if r.id == i))
run = next(r for r in runs if r.id == selected)
active = run.status in ACTIVE
train_ui.run_actions(run)
st.fragment(run_every=train_ui.REFRESH_S if active else None)(train_ui.run_panel)(selected, active)

st.subheader("Compare runs")
train_ui.compare(runs)
