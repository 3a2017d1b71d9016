"""Compare: two or more specs side by side, layer by layer."""

import streamlit as st

from alexnet_core.arch import compare
from alexnet_core.figures import lab
from ui import charts, sidebar
from ui.compare import view

sidebar.page_setup()
st.title("Compare")
st.caption("Presets and the session's edited spec (from the Layer Lab) side by side: shapes, parameters, "
           "mult-adds and receptive fields per layer. ✎ marks layers where they differ.")

entries = view.choose()
if len(entries) < 2:
    st.info("Pick at least two specs to compare.")
    st.stop()

results = compare.summarize_all(entries)
for r in results:
    if r.problem:
        st.warning(f"{r.entry.name}: {r.problem}", icon=":material/warning:")

st.subheader("Totals")
st.dataframe(view.frame(compare.totals(results)), hide_index=True, width="stretch", key="cmp_totals",
             column_config={k: st.column_config.NumberColumn(format="localized")
                            for k in ("parameters", "Δ parameters vs first", "saved by groups", "mult-adds")})

ok = [r for r in results if r.summary is not None]
if len(ok) >= 2:
    quantity = st.segmented_control("Bars show", ["params", "mult_adds"], key="cmp_quantity", default="params",
                                    format_func=lambda q: "parameters" if q == "params" else "mult-adds")
    charts.show(lab.compare_figure([r.entry.title or r.entry.name for r in ok], [r.summary for r in ok],
                                         quantity or "params"), key="cmp_bars")

st.subheader("Layer by layer")
rows = compare.layer_rows(results)
st.dataframe(view.frame(rows), hide_index=True, width="stretch", key="cmp_layers",
             height=36 + 35 * len(rows))
