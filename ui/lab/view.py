"""Layer Lab results: problems with their fixes, totals, the flow plot, the table, spec files, conv arithmetic."""

from __future__ import annotations

from functools import lru_cache, partial

import plotly.graph_objects as go
import streamlit as st

from alexnet_core.arch import budget, codegen, explain, fixes
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.arch.table import Summary
from alexnet_core.figures import flow_svg, lab
from alexnet_core.figures.scene import Scene, to_svg
from alexnet_core.format import fmt_bytes, fmt_short
from alexnet_core.guard import limits
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import ArchSpec, SpecError
from ui import cache, charts, downloads, sidebar, state, tables
from ui.lab import controls

MAX_UPLOAD = 64_000  # bytes: a spec is ~2 kB of JSON
UPLOAD_MSG = "lab_upload_msg"


@st.fragment
def page() -> None:
    """The whole Lab below its title, as one fragment: a control's change reruns this, not the sidebar
    or the navigation; ``sidebar.after_fragment`` keeps the sidebar's spec lines and the URL in step."""
    cfg = state.config()
    spec, preset = state.current_spec(), state.preset_spec()
    st.caption(f"**{state.spec_label()}** at {spec.in_channels}×{cfg.size}×{cfg.size}. Change any layer; every "
               f"shape is recomputed. Input size, channels and classes are in the sidebar. {budget.STATEMENT}")
    left, right = st.columns([5, 7], gap="medium")
    with right:  # drawn first, so the changed figures are the first messages the browser gets
        results(spec, preset, cfg.size)
    with left:
        controls.reset_button()
        msg = st.session_state.get(controls.MSG)
        if msg:
            st.warning(msg, icon=":material/block:")
        controls.render_controls(spec, preset)
        files(spec, cfg.size)
    sidebar.after_fragment()


def results(spec: ArchSpec, preset: ArchSpec, size: int) -> None:
    # Stateful tabs: only the open one is computed, so a slider rerun pays for one view.
    network, arith = st.tabs(["Network", "Convolution arithmetic"], key="lab_tab", on_change="rerun")
    if network.open:
        with network:
            try:
                result = summary_or_problem(spec, size)
            except ShapeError as err:
                show_collapse(spec, size, err)
            else:
                if isinstance(result, str):
                    st.error(result, icon=":material/block:")
                else:
                    metrics(result)
                    charts.inline(flow_picture(spec, size))
                    tables.show(table_html(spec, preset, size))
                    tables.copy_out(result, "lab")
    if arith.open:
        with arith:
            arithmetic(spec, size)


@lru_cache(maxsize=512)
def summary_or_problem(spec: ArchSpec, size: int) -> Summary | str:
    """The analytic table or the budget refusal (str), cached by the (frozen, hashable) spec; ShapeError is
    raised and never cached. Keyed by the object rather than its JSON: serialising costs more than the table."""
    problem = budget.memory_problem(spec, size)
    return problem if problem else cache.analytic(spec, size)


@lru_cache(maxsize=512)
def flow_picture(spec: ArchSpec, size: int) -> str:
    """The flow plot as inline SVG, shared across reruns and sessions (a plotly chart here cost the
    browser ~54 ms a change: BENCHMARKS.md, instant feedback)."""
    return to_svg(flow_scene(spec, size))


def flow_scene(spec: ArchSpec, size: int) -> Scene:
    result = summary_or_problem(spec, size)
    assert not isinstance(result, str)
    return flow_svg.flow_scene(result)


@lru_cache(maxsize=512)
def arith_figure(a: explain.Arith, position: int) -> go.Figure:
    return lab.arith_figure(a, position)


@lru_cache(maxsize=512)
def spec_json(spec: ArchSpec) -> str:
    return spec.to_json()


def _apply_fix(fix: fixes.Fix) -> None:
    if fix.spec is not None:
        state.set_spec(fix.spec)
    if fix.size is not None:
        state.set_size(fix.size)
    st.session_state.pop("lab_msg", None)


def show_collapse(spec: ArchSpec, size: int, err: ShapeError) -> None:
    text = str(err)
    st.error(f"**{err.layer} collapses.** {text[:1].upper()}{text[1:]}", icon=":material/error:")
    found = fixes.suggest(spec, size, err)
    if not found:
        st.info("No single change fixes this; reset to the preset.")
    st.markdown("**Fixes** (each one checked; click to apply):")
    for j, fix in enumerate(found):
        st.button(fix.text, key=f"lab_fix_{j}", on_click=_apply_fix, args=(fix,), icon=":material/build:")


def metrics(summary: Summary) -> None:
    spatial = [r for r in summary.layers if len(r.output_shape) == 4]
    row = st.container(horizontal=True)  # one layout block, where st.columns(4) sent five
    c = [row] * 4
    c[0].metric("Parameters", fmt_short(summary.total_params), help=f"{summary.total_params:,}")
    c[1].metric("Mult-adds", fmt_short(summary.mult_adds), help=f"{summary.mult_adds:,}")
    c[2].metric("Receptive field", f"{spatial[-1].receptive_field} px" if spatial else "—")
    c[3].metric("Memory", f"{(summary.param_bytes + summary.activation_bytes) / 1e6:,.0f} MB",
                help=f"{fmt_bytes(summary.param_bytes)} parameters + {fmt_bytes(summary.activation_bytes)} "
                     "activations per image, float32")
    if spatial:
        st.caption(f"Receptive field: input pixels one {spatial[-1].name} unit sees. {summary.mult_adds:,} "
                   f"mult-adds, {summary.total_params:,} parameters.")


def changed_rows(summary: Summary, preset: ArchSpec, size: int) -> list[bool]:
    """Rows whose layer, shape, parameters or window differ from the starting preset at the same size."""
    try:
        base = {r.name: r for r in cache.analytic(preset, size).layers}
    except ShapeError:
        return [True] * len(summary.layers)
    out = []
    for r in summary.layers:
        b = base.get(r.name)
        out.append(b is None or (b.output_shape, b.params, b.kernel, b.stride, b.padding, b.groups, b.type)
                   != (r.output_shape, r.params, r.kernel, r.stride, r.padding, r.groups, r.type))
    return out


@lru_cache(maxsize=512)
def table_html(spec: ArchSpec, preset: ArchSpec, size: int) -> str:
    """The layer table with a Δ column and its changed rows tinted, as plain HTML (tables.html)."""
    summary = summary_or_problem(spec, size)
    assert not isinstance(summary, str)
    changed = changed_rows(summary, preset, size)
    df = tables.layer_table(summary)
    df.insert(0, "Δ", ["✎" if c else "" for c in changed])
    return tables.html(df, name="lab", changed=changed, help={"Δ": "✎: differs from the starting preset"})


def _on_upload() -> None:
    f = st.session_state.get("lab_upload")
    if f is None:
        return
    data = f.getvalue()
    if len(data) > MAX_UPLOAD:
        st.session_state[UPLOAD_MSG] = f"Upload refused: {len(data):,} bytes is over the {MAX_UPLOAD:,}-byte cap."
        return
    try:
        spec = spec_from_json(data)
    except SpecError as err:
        st.session_state[UPLOAD_MSG] = f"Upload refused, the current spec is unchanged. Bad field `{err.field_path}`: {err.problem}"
        return
    problem = budget.param_problem(spec)
    if problem:
        st.session_state[UPLOAD_MSG] = f"Upload {problem}."
        return
    st.session_state.pop(UPLOAD_MSG, None)
    state.set_spec(spec)


def files(spec: ArchSpec, size: int) -> None:
    """The spec as JSON (download, upload), the model card and the network as code, drawn only while their
    (stateful) expander is open: four download and upload widgets the browser would otherwise redraw on
    every slider change (BENCHMARKS.md, instant feedback)."""
    box = downloads.folded("Files: spec JSON, model card, PyTorch code, chart", key="lab_files")
    if box is None:
        st.session_state.pop(UPLOAD_MSG, None)  # an old upload's refusal is not news when the box opens again
        return
    with box:
        spec_files(spec)
        result = _summary_or_none(spec, size)
        if isinstance(result, str):  # over the budget: the spec file only, as the page shows no network
            st.caption(f"No card, code or chart for this spec ({result}).")
            return
        if result is not None:
            st.download_button("Download the table (CSV)", partial(table_csv, spec, size), on_click="ignore",
                               file_name=f"{codegen.safe_name(spec)}_{size}px.csv", mime="text/csv",
                               icon=":material/download:", key="lab_csv")
        downloads.card_button(spec, size, key="lab_card")  # greyed out, saying why, when the size collapses
        downloads.code_button(spec, size, key="lab_code")
        if result is not None:
            charts.download(partial(flow_scene, spec, size), "Chart: sizes and channels",
                            name=f"{spec.name}_{size}px_flow", key="lab_flow_file")


def table_csv(spec: ArchSpec, size: int) -> str:
    """The layer table as CSV, made when the button is pressed."""
    summary = summary_or_problem(spec, size)
    assert not isinstance(summary, str)
    return tables.layer_table(summary).to_csv(index=False)


def _summary_or_none(spec: ArchSpec, size: int) -> Summary | str | None:
    """The table, the budget's refusal (str), or None where the size collapses."""
    try:
        return summary_or_problem(spec, size)
    except ShapeError:
        return None


def spec_files(spec: ArchSpec) -> None:
    st.download_button("Download spec JSON", spec_json(spec), file_name="alexnet_spec.json", mime="application/json",
                       icon=":material/download:", on_click="ignore", key="lab_download")
    st.file_uploader("Upload a spec JSON", type=["json"], key="lab_upload", on_change=_on_upload,
                     max_upload_size=limits.UPLOAD_SPEC_MB, help=f"at most {MAX_UPLOAD // 1000} kB; validated field by field")
    msg = st.session_state.get(UPLOAD_MSG)
    if msg:
        st.error(msg, icon=":material/upload_file:")


def arithmetic(spec: ArchSpec, size: int) -> None:
    st.markdown("#### Convolution arithmetic, explained")
    layers = explain.layer_inputs(spec, size)
    labels = [label for label, _ in layers]
    if st.session_state.get("lab_arith_layer") not in labels:
        st.session_state["lab_arith_layer"] = labels[0]
    c = st.columns([1, 2])
    choice = c[0].selectbox("Layer", labels, key="lab_arith_layer")
    real = dict(layers)[choice]
    draw, shrunk = explain.drawable(real)
    n_pos = max(draw.out, 1)
    if st.session_state.get("lab_arith_pos", 1) > n_pos:
        st.session_state["lab_arith_pos"] = 1
    pos = c[1].slider("Window position (step through)", 1, max(n_pos, 2), key="lab_arith_pos",
                      disabled=n_pos < 2)
    charts.show(arith_figure(draw, pos - 1), key="lab_arith_fig")
    st.caption("Blue: input; grey: padding; red: rows and columns no window reaches (the floor drops them)." +
               (f" Drawn with {draw.n} input rows instead of {real.n}: same kernel, stride, padding and "
                "leftover, so the same story." if shrunk else ""))
    st.markdown(f"**{choice}**: input {real.n}, kernel {real.k}, stride {real.s}, padding {real.p}")
    st.markdown("  \n".join(real.steps()))
    st.markdown("**What padding really adds** (p rows on each side, 2p in total):")
    st.markdown(_markdown_table(explain.padding_table(real, max_pad=real.k // 2 if choice.startswith("pool")
                                                                     else None)))
    with st.expander("54 or 55? The course notes' puzzle", expanded=False):
        st.markdown("\n".join(f"- {line}" for line in explain.fifty_four_vs_55()))


def _markdown_table(rows: list[dict[str, int | str]]) -> str:
    """A small table as markdown: far cheaper per rerun than a dataframe."""
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(r[h]) for h in head) + " |" for r in rows]
    return "\n".join(lines)
