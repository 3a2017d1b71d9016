"""Architecture: the layer-by-layer shape table, totals, and where parameters and compute go."""

from functools import partial

import streamlit as st

from alexnet_core.arch.shapes import ShapeError
from alexnet_core.format import fmt_bytes, fmt_count
from alexnet_core.spec import presets
from ui import cache, charts, downloads, sidebar, state, tables
from ui.architecture import cached, formula

cfg = sidebar.page_setup()
spec = state.current_spec()
variant = presets.get(cfg.variant)

st.title("Architecture")
st.caption(f"**{state.spec_label()}** at {spec.in_channels}×{cfg.size}×{cfg.size} — {variant.note}")

try:
    summary = cache.summary(spec, cfg.size)
except ShapeError as err:
    st.error(str(err), icon=":material/error:")
    if err.valid is not None:
        st.info(f"Pick an input size of {err.valid[0]} px in the sidebar to see the table.")
    st.stop()

row = st.container(horizontal=True)  # three stacks in one row: 4 layout blocks where two st.columns(3) sent 8
c = [row.container() for _ in range(3)]
c[0].metric("Parameters", f"{summary.total_params:,}", help=f"{summary.trainable_params:,} trainable")
c[1].metric("Mult-adds per image", f"{summary.mult_adds:,}", help=fmt_count(summary.mult_adds))
c[2].metric("Parameter memory (fp32)", fmt_bytes(summary.param_bytes))
c[0].metric("Classifier's share of parameters", f"{summary.classifier_param_share:.1%}")
c[1].metric("Convolutions' share of mult-adds", f"{summary.conv_mult_add_share:.1%}")
c[2].metric("Activation memory per image", fmt_bytes(summary.activation_bytes), help="float32, all layer outputs")

tables.show(cached.table_html(spec, cfg.size))
files = downloads.folded("Files: CSV, model card, PyTorch code, charts", key="arch_files")
if files is not None:
    with files:
        st.download_button("Download CSV", partial(cached.csv, spec, cfg.size), on_click="ignore",
                           file_name=f"{spec.name}_{cfg.size}px.csv", mime="text/csv", icon=":material/download:")
        downloads.card_button(spec, cfg.size, key="arch_card")
        downloads.code_button(spec, cfg.size, key="arch_code")
        charts.download(partial(cached.share, spec, cfg.size), "Chart: where parameters and compute go",
                        name=f"{spec.name}_{cfg.size}px_share", key="arch_share_file")
        charts.download(partial(cached.per_layer, spec, cfg.size), "Chart: parameters and mult-adds per layer",
                        name=f"{spec.name}_{cfg.size}px_per_layer", key="arch_per_layer_file")
tables.copy_out(summary, "arch")

st.subheader("Where the parameters live, where the compute goes")
share, bars = cached.pictures(spec, cfg.size)
charts.inline(share)
charts.inline(bars)

st.subheader("Output size, worked out")
formula.worked_out(spec, cfg.size)
