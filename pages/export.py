"""Export: the current spec as an ONNX file, checked against PyTorch before it is offered."""

import importlib.util

import pandas as pd
import streamlit as st

from alexnet_core import paths
from alexnet_core.export.exporter import (
    DEFAULT_OPSET,
    MAX_OPSET,
    MIN_OPSET,
    ExportError,
    Weights,
    list_checkpoints,
    pretrained_path,
)
from alexnet_core.format import fmt_bytes
from ui import sidebar, state
from ui.export import cache

cfg = sidebar.page_setup()
spec = state.current_spec()

st.title("Export to ONNX")
st.caption(f"**{state.spec_label()}** at {cfg.in_channels}×{cfg.size}×{cfg.size} (change it in the sidebar). "
           "Every file is checked — onnx.checker, ONNX shape inference, onnxruntime against PyTorch — "
           "before it is offered for download.")

KINDS = {"random": "Random (seeded)", "pretrained": "Pretrained (torchvision, cached)",
         "checkpoint": "Trained checkpoint"}
c = st.columns([2, 1, 1, 1])
kind = c[0].radio("Weights", list(KINDS), format_func=KINDS.get, horizontal=True, key="exp_weights")
opset = c[1].selectbox("Opset", list(range(MIN_OPSET, MAX_OPSET + 1)), index=DEFAULT_OPSET - MIN_OPSET, key="exp_opset")
dynamic = c[2].checkbox("Dynamic batch axis", key="exp_dynamic", help="The file takes any batch size N.")
seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="exp_seed", disabled=kind != "random")

checkpoint, stamp = None, 0.0
if kind == "checkpoint":
    found = list_checkpoints()
    if not found:
        st.info(f"No checkpoints yet under {paths.runs_dir()}: train a network first, or export random weights.")
        st.stop()
    checkpoint = st.selectbox("Checkpoint (its own spec is exported)", found, key="exp_checkpoint")
    stamp = (paths.runs_dir() / checkpoint).stat().st_mtime
elif kind == "pretrained" and not pretrained_path().is_file():
    st.info(f"torchvision's AlexNet weights are not cached at `{pretrained_path()}`; nothing is downloaded "
            "here. Cache them once with torchvision, or export random weights.")
    st.stop()

weights = Weights(kind, int(seed), checkpoint)
request = (spec.to_json(indent=None), cfg.size, opset, dynamic, kind, int(seed), checkpoint, stamp)
if st.button("Export and check", type="primary", icon=":material/build:", key="exp_run"):
    st.session_state["exp_request"] = request
if st.session_state.get("exp_request") != request:
    st.caption("Press **Export and check** to write the file for these settings.")
    st.stop()

try:
    with st.spinner("Exporting and checking…"):
        result = cache.export(spec, (cfg.size, cfg.size), opset, dynamic, weights, stamp)
except ExportError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

report = result.report
m = st.columns(4)
m[0].metric("File size", fmt_bytes(report.size_bytes))
m[1].metric("Max |ORT − PyTorch|", "—" if report.max_abs_diff is None else f"{report.max_abs_diff:.1e}",
            help=None if report.parity_bound is None else f"accepted up to {report.parity_bound:.1e} (1e-4 + 1e-5 × the largest output)")
m[2].metric("Weights in the file", "—" if report.initializer_elements is None else f"{report.initializer_elements:,}")
m[3].metric("Export + checks", f"{result.timings['export'] + result.timings['checks']:.1f} s")

ICON = {True: "pass", False: "FAIL", None: "skipped"}  # plain words: emoji fonts are not everywhere
checks = pd.DataFrame([{"check": ch.name, "result": ICON[ch.ok], "detail": ch.detail} for ch in report.checks])
st.dataframe(checks, hide_index=True, width="stretch", key="exp_checks")

if report.passed:
    st.success(f"All checks passed: {result.file_name} ({result.weights} weights).", icon=":material/check_circle:")
    st.download_button(f"Download {result.file_name} ({fmt_bytes(report.size_bytes)})", data=lambda: result.data,
                       file_name=result.file_name, mime="application/octet-stream", on_click="ignore",
                       icon=":material/download:", key="exp_download", type="primary")
    st.caption("SHA-256 of the file:")
    st.code(report.sha256, language=None)
else:
    st.error("Not offered for download: " + "; ".join(f"{f.name}: {f.detail}" for f in report.failures),
             icon=":material/error:")

st.subheader("The ONNX graph")
if not result.rows:
    st.info("No graph to show: ONNX shape inference could not run on this file.")
else:
    graph_tab, table_tab = st.tabs(["Graph", "Nodes"])
    with graph_tab:
        st.graphviz_chart(result.dot)  # natural size: stretched, a 40-node chain gets huge
    with table_tab:
        nodes = pd.DataFrame([{"#": r.index, "op": r.op, "attributes": r.attributes, "weights": r.weights,
                               "output shape": r.output_shape} for r in result.rows])
        st.dataframe(nodes, hide_index=True, width="stretch", key="exp_nodes")

if importlib.util.find_spec("netron") is None:
    st.caption("Netron is optional: `pip install netron` adds a button that opens the file in it on localhost.")
elif report.passed and st.button("Open in Netron", icon=":material/open_in_new:", key="exp_netron"):
    import netron

    target = paths.runs_dir() / "exports" / result.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.data)
    try:
        address = netron.start(str(target), address=("localhost", 0), browse=False)
        host, port = address if isinstance(address, tuple) else ("localhost", address)
        st.link_button(f"Netron on http://{host}:{port}", f"http://{host}:{port}", icon=":material/hub:")
    except Exception as exc:  # netron's own start-up errors (port, file)
        st.error(f"Netron could not start: {exc}")
