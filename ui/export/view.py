"""Export page: the settings, the gate before exporting, and the report, graph and Netron button."""

from __future__ import annotations

import importlib.util

import pandas as pd
import streamlit as st

from alexnet_core import paths
from alexnet_core.export.exporter import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, ExportError
from alexnet_core.export.run import ExportResult
from alexnet_core.format import fmt_bytes
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights import imagenet
from alexnet_core.weights.source import Kind, WeightsSource, checkpoint_files
from ui.export import cache

KINDS = {Kind.RANDOM: "Random (seeded)", Kind.PRETRAINED: "Pretrained (torchvision, cached)",
         Kind.CHECKPOINT: "Trained checkpoint"}
ICON = {True: "pass", False: "FAIL", None: "skipped"}  # plain words: emoji fonts are not everywhere


def settings() -> tuple[WeightsSource, int, bool] | None:
    """(weights, opset, dynamic batch), or None after saying why nothing can be exported."""
    c = st.columns([2, 1, 1, 1])
    kind = c[0].radio("Weights", list(KINDS), format_func=KINDS.get, horizontal=True, key="exp_weights")
    opset = c[1].selectbox("Opset", list(range(MIN_OPSET, MAX_OPSET + 1)), index=DEFAULT_OPSET - MIN_OPSET,
                           key="exp_opset")
    dynamic = c[2].checkbox("Dynamic batch axis", key="exp_dynamic", help="The file takes any batch size N.")
    seed = c[3].number_input("Seed", 0, 2**31 - 1, 0, key="exp_seed", disabled=kind != Kind.RANDOM)
    if kind == Kind.CHECKPOINT:
        found = checkpoint_files()
        if not found:
            st.info(f"No checkpoints yet under {paths.runs_dir()}: train a network first, or export random weights.")
            return None
        chosen = st.selectbox("Checkpoint (its own spec is exported, at the size it was trained at)", found,
                              key="exp_checkpoint")
        return WeightsSource(Kind.CHECKPOINT, checkpoint=chosen), opset, dynamic
    if kind == Kind.PRETRAINED and not imagenet.is_cached():
        st.info(f"torchvision's AlexNet weights are not cached at `{imagenet.cache_path()}`; nothing is downloaded "
                "here. Cache them once with torchvision, or export random weights.")
        return None
    return WeightsSource(Kind(kind), seed=int(seed)), opset, dynamic


def run(spec: ArchSpec, size: int, weights: WeightsSource, opset: int, dynamic: bool) -> ExportResult | None:
    """The export for these settings once the button asked for it; None until then or on an error."""
    request = (spec.to_json(indent=None), size, opset, dynamic, weights.key)
    if st.button("Export and check", type="primary", icon=":material/build:", key="exp_run"):
        st.session_state["exp_request"] = request
    if st.session_state.get("exp_request") != request:
        st.caption("Press **Export and check** to write the file for these settings.")
        return None
    try:
        with st.spinner("Exporting and checking…"):
            return cache.export(spec, (size, size), opset, dynamic, weights)
    except ExportError as err:
        st.error(str(err), icon=":material/error:")
        return None


def report(result: ExportResult) -> None:
    if result.note:
        st.info(f"{result.note} Exported at {result.size[0]}×{result.size[1]}; the sidebar's spec is left as it is.",
                icon=":material/info:")
    rep = result.report
    m = st.columns(4)
    m[0].metric("File size", fmt_bytes(rep.size_bytes))
    m[1].metric("Max |ORT − PyTorch|", "—" if rep.max_abs_diff is None else f"{rep.max_abs_diff:.1e}",
                help=None if rep.parity_bound is None
                else f"accepted up to {rep.parity_bound:.1e} (1e-4 + 1e-5 × the largest output)")
    m[2].metric("Weights in the file", "—" if rep.initializer_elements is None else f"{rep.initializer_elements:,}")
    m[3].metric("Export + checks", f"{result.timings['export'] + result.timings['checks']:.1f} s")
    checks = pd.DataFrame([{"check": ch.name, "result": ICON[ch.ok], "detail": ch.detail} for ch in rep.checks])
    st.dataframe(checks, hide_index=True, width="stretch", key="exp_checks")
    if rep.passed:
        st.success(f"All checks passed: {result.file_name} ({result.weights} weights).", icon=":material/check_circle:")
        st.download_button(f"Download {result.file_name} ({fmt_bytes(rep.size_bytes)})", data=lambda: result.data,
                           file_name=result.file_name, mime="application/octet-stream", on_click="ignore",
                           icon=":material/download:", key="exp_download", type="primary")
        st.caption("SHA-256 of the file:")
        st.code(rep.sha256, language=None)
    else:
        st.error("Not offered for download: " + "; ".join(f"{f.name}: {f.detail}" for f in rep.failures),
                 icon=":material/error:")


def graph(result: ExportResult) -> None:
    st.subheader("The ONNX graph")
    if not result.rows:
        st.info("No graph to show: ONNX shape inference could not run on this file.")
        return
    graph_tab, table_tab = st.tabs(["Graph", "Nodes"])
    with graph_tab:
        st.graphviz_chart(result.dot)  # natural size: stretched, a 40-node chain gets huge
    with table_tab:
        nodes = pd.DataFrame([{"#": r.index, "op": r.op, "attributes": r.attributes, "weights": r.weights,
                               "output shape": r.output_shape} for r in result.rows])
        st.dataframe(nodes, hide_index=True, width="stretch", key="exp_nodes")


def netron(result: ExportResult) -> None:
    """An optional button: the file opened in Netron on localhost."""
    if importlib.util.find_spec("netron") is None:
        st.caption("Netron is optional: `pip install netron` adds a button that opens the file in it on localhost.")
        return
    if not result.report.passed or not st.button("Open in Netron", icon=":material/open_in_new:", key="exp_netron"):
        return
    import netron as nt

    target = paths.runs_dir() / "exports" / result.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.data)
    try:
        address = nt.start(str(target), address=("localhost", 0), browse=False)
        host, port = address if isinstance(address, tuple) else ("localhost", address)
        st.link_button(f"Netron on http://{host}:{port}", f"http://{host}:{port}", icon=":material/hub:")
    except Exception as exc:  # netron's own start-up errors (port, file)
        st.error(f"Netron could not start: {exc}")
