"""Inside page: one function per view. Each reads its widgets, asks the core, draws."""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

from alexnet_core.arch.build import AlexNet
from alexnet_core.arch.shapes import LayerShape
from alexnet_core.figures import inside as P
from alexnet_core.figures import inside_scene as S
from alexnet_core.figures.scene import Scene, to_svg
from alexnet_core.inside import activations as A
from alexnet_core.inside.images import Prepared
from alexnet_core.spec.types import Activation, ArchSpec
from alexnet_core.weights.source import Kind, Loaded, WeightsError, WeightsSource
from ui import charts, downloads
from ui.inside import cache, channel

MAX_MAPS = 64  # never more maps than this in one grid
MAP_SIDE = 48  # each grid tile at most this many pixels a side
CHANNEL_SIDE = 64  # the enlarged channel at most this many cells a side (each one clickable)


@dataclass(frozen=True)
class Ctx:
    spec: ArchSpec
    source: WeightsSource
    image_key: str
    size: int
    model_of: Callable[[], AlexNet | None]  # the page's run holds it; the fragment's copy only weakly
    names: tuple[str, ...] | None
    prep: Prepared
    cap_of: Callable[[], A.Capture | None]  # as model_of
    stats: list[A.LayerStats]
    shapes: dict[str, LayerShape]
    thumb: np.ndarray  # the original, small, for display
    shown_png: bytes  # the network's input as JPEG (inside_scene.photo)

    @property
    def model(self) -> AlexNet:
        """The weights; read only by the views that run them (filters, prediction, activation functions,
        a channel's picture)."""
        m = self.model_of()
        return m if m is not None else self._loaded().model

    @property
    def cap(self) -> A.Capture:
        c = self.cap_of()
        return c if c is not None else cache.recapture(self._loaded(), self.image_key, self.prep, self.size)[1]

    def _loaded(self) -> Loaded:
        """Found or built again (a checkpoint's from its file): the shared cache let it go since the last
        whole-page run. The server being too busy for that now is shown and stops the view."""
        try:
            return cache.model(self.spec, self.source)
        except WeightsError as err:
            st.error(str(err), icon=":material/memory:")
            st.stop()
            raise


def holding(value: object) -> Callable[[], object]:
    """A strong reference as a callable: what a whole-page run's Ctx holds."""
    return lambda: value


def feature_maps(ctx: Ctx) -> None:
    spatial = ctx.cap.spatial_labels()
    if not spatial:
        st.info("This network has no spatial layers to show.")
        return
    if st.session_state.get("inside_layer") not in spatial:
        st.session_state["inside_layer"] = spatial[0]
    c = st.columns([2, 2, 2])
    label = c[0].selectbox("Layer", spatial, key="inside_layer")
    t = ctx.cap.outputs[label]  # (C, H, W)
    n_ch, h, w = t.shape
    if st.session_state.get("_inside_topk_max") != min(MAX_MAPS, n_ch):  # a new slider range (another
        st.session_state["_inside_topk_max"] = min(MAX_MAPS, n_ch)  # network): Streamlit drops the old
        st.session_state["inside_topk"] = min(16, n_ch)  # widget's value, so set it again explicitly
    _default("inside_topk", min(16, n_ch), 1, min(MAX_MAPS, n_ch))
    k = c[1].slider("Channels shown (most active first)", 1, min(MAX_MAPS, n_ch), key="inside_topk")
    scale = c[2].radio("Colour scale", ["per map", "shared"], horizontal=True, key="inside_scale")
    chans = A.top_channels(t, k)
    small = A.downsample(t[chans], MAP_SIDE).numpy()
    sh, sw = small.shape[-2:]
    grid, grid_svg = cache.grid((ctx.spec.to_json(indent=None), ctx.source.key, ctx.image_key, ctx.prep.steps,
                                 ctx.size, label, k), scale == "shared", small, tuple(chans))
    note = f"showing the {k} most active of {n_ch} channels (at most {MAX_MAPS})"
    note += f", each downsampled from {h}×{w} to {sh}×{sw}" if (sh, sw) != (h, w) else f", each {h}×{w}"
    st.caption(f"**{label}** — {note}. Colour: {'one scale for all maps' if scale == 'shared' else 'each map stretched to its own min–max'}.")
    charts.inline(grid_svg)
    _channel_and_rf(ctx, label, t, chans, grid)


def _channel_and_rf(ctx: Ctx, label: str, t: torch.Tensor, chans: list[int], grid: Scene) -> None:
    """The enlarged channel (its units clickable), the chosen unit's receptive field, the files of both
    pictures, and what the channel wants."""
    st.subheader("One channel, and what a unit sees")
    n_ch, h, w = t.shape
    if st.session_state.get("_inside_ch_layer") != label:  # a new layer: start on its most active channel
        st.session_state["_inside_ch_layer"] = label
        st.session_state["inside_channel_no"] = chans[0]
        st.session_state["inside_row"], st.session_state["inside_col"] = h // 2, w // 2
        st.session_state["_inside_last_click"] = _clicked()  # an old layer's click is not for this one
    _take_click(h, w)
    _default("inside_channel_no", chans[0], 0, n_ch - 1)
    _default("inside_row", h // 2, 0, h - 1)
    _default("inside_col", w // 2, 0, w - 1)
    c = st.columns(3)
    ch = c[0].number_input("Channel", 0, n_ch - 1, key="inside_channel_no")
    row = c[1].number_input("Unit row", 0, h - 1, key="inside_row")
    col = c[2].number_input("Unit column", 0, w - 1, key="inside_col")
    m = t[int(ch)]
    shown = A.downsample(m.unsqueeze(0), CHANNEL_SIDE)[0].numpy()
    rows, cols = _unit_index(h, w)
    assert shown.shape == (len(rows), len(cols))
    left, right, wants = st.columns(3)
    with left:
        title = f"{label}, channel {ch} ({h}×{w}" + (f", shown {shown.shape[0]}×{shown.shape[1]})" if shown.shape != (h, w) else ")")
        charts.show(P.channel_figure(shown, rows, cols, title, (int(row), int(col))), key="inside_channel",
                    on_select="rerun", selection_mode="points", image_only=True)
        st.caption("Click a unit (or set its row and column) to draw its receptive field on the input.")
    shape = ctx.shapes[label]
    box = A.rf_box(list(ctx.shapes.values()), label, int(row), int(col))
    nominal = A.rf_nominal(shape, int(row), int(col))
    with right:
        bw, bh = box.x1 - box.x0, box.y1 - box.y0
        title = f"receptive field of {label}[{row}, {col}]: {bw:g}×{bh:g} px"
        h_in, w_in = ctx.prep.shown.shape[:2]
        rf = S.rf_scene(ctx.shown_png, h_in, w_in, box, title)
        charts.inline(to_svg(rf))
        st.caption(f"Pixels x {box.x0:g}–{box.x1:g}, y {box.y0:g}–{box.y1:g}. The full receptive field of a "
                   f"{label} unit is {shape.rf}×{shape.rf} px, centred at ({nominal.x0 + shape.rf / 2:g}, "
                   f"{nominal.y0 + shape.rf / 2:g}); neighbouring units are {shape.jump:g} px apart. Near the "
                   "border part of it falls on padding, which the box leaves out.")
    # Under the row, and drawn before the channel's picture is made (which may take a while, or be refused)
    files = downloads.folded("Files: these pictures for slides", key="inside_files")
    if files is not None:
        with files:
            charts.download(lambda: grid, "Feature maps", name=f"{ctx.spec.name}_{label}_maps", key="inside_grid_file")
            charts.download(lambda: rf, "Receptive field", name=f"{ctx.spec.name}_{label}_rf", key="inside_rf_file")
    with wants:
        channel.panel(ctx, label, int(ch), box)


def _default(key: str, value: int, lo: int, hi: int) -> None:
    """Seed a widget's value through session state (never both a default and state)."""
    v = st.session_state.get(key)
    if not isinstance(v, int) or not lo <= v <= hi:
        st.session_state[key] = value


def _unit_index(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The real row / column of each displayed row / column of the enlarged channel."""
    sh, sw = (h, w) if max(h, w) <= CHANNEL_SIDE else tuple(
        max(1, round(n * CHANNEL_SIDE / max(h, w))) for n in (h, w))
    return (np.floor(np.arange(sh) * h / sh).astype(int), np.floor(np.arange(sw) * w / sw).astype(int))


def _clicked() -> tuple[int, int] | None:
    """(x, y) of the displayed cell last clicked in the enlarged channel, if any."""
    event = st.session_state.get("inside_channel")
    try:
        point = event["selection"]["points"][0]
        return int(round(float(point["x"]))), int(round(float(point["y"])))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _take_click(h: int, w: int) -> None:
    """Copy a new click into the row/column inputs, before those widgets are drawn. A click is
    used once: the chart keeps reporting its selection on later reruns (and after a layer change)."""
    xy = _clicked()
    if xy is None or xy == st.session_state.get("_inside_last_click"):
        return
    st.session_state["_inside_last_click"] = xy
    rows, cols = _unit_index(h, w)
    x, y = xy
    if 0 <= y < len(rows) and 0 <= x < len(cols):
        st.session_state["inside_row"], st.session_state["inside_col"] = int(rows[y]), int(cols[x])


def statistics(ctx: Ctx) -> None:
    labels = ctx.cap.labels
    if st.session_state.get("inside_hist_layer") not in labels:
        st.session_state["inside_hist_layer"] = labels[0]
    label = st.selectbox("Histogram of layer", labels, key="inside_hist_layer")
    charts.show(P.stats_figure(ctx.stats, label), key="inside_stats")
    charts.show(P.histogram_figure(*A.histogram(ctx.cap.outputs[label]), label), key="inside_hist")
    df = pd.DataFrame([dict(layer=s.label, mean=s.mean, std=s.std, max=s.max, zeros=s.zeros) for s in ctx.stats])
    st.dataframe(df, hide_index=True, key="inside_stats_table",
                 column_config={"zeros": st.column_config.NumberColumn("fraction zeros", format="%.3f")})


def filters(ctx: Ctx) -> None:
    conv1 = ctx.model.features[0].weight.detach().numpy()
    o, i, k, _ = conv1.shape
    st.caption(f"conv1: {o} filters of {i}×{k}×{k}, each stretched to its own min–max"
               + (" (RGB)." if i == 3 else f" ({i} input channels: shown as their grey mean)."))
    st.image(P.filter_tiles(conv1, cols=16, scale=6), caption=f"conv1 weights — {ctx.source.label()}")
    if ctx.source.kind == Kind.RANDOM:
        st.caption("Random init: noise. Load torchvision's ImageNet weights to see edge (Gabor-like) and colour-blob filters.")


def prediction(ctx: Ctx) -> None:
    rows = A.top5(ctx.cap.logits, ctx.names, ctx.spec.log_softmax)
    df = pd.DataFrame([dict(rank=n + 1, **{"class": name}, index=i, probability=p) for n, (i, name, p) in enumerate(rows)])
    st.dataframe(df, hide_index=True, key="inside_top5",
                 column_config={"probability": st.column_config.ProgressColumn(format="%.3f", min_value=0, max_value=1)})
    if ctx.names is None:
        st.caption("No class names for these weights: classes are shown by index.")
    if st.toggle("Saliency map for the top class", key="inside_saliency"):
        method = st.radio("Method", ["gradient", "Grad-CAM"], horizontal=True, key="inside_sal_method")
        top = rows[0][0]
        sal = cache.saliency(ctx.spec, ctx.source, ctx.image_key, ctx.size, top, ctx.model, ctx.prep.tensor, method)
        c = st.columns(2)
        side = min(360, max(224, ctx.size))
        c[0].image(ctx.prep.shown, caption="input", width=side)
        what = (f"|∂ logit[{rows[0][1]}] / ∂ pixel|" if method == "gradient"
                else f"Grad-CAM of {rows[0][1]} on {A.last_conv_label(ctx.model)}")
        c[1].image(P.saliency_overlay(ctx.prep.shown, sal), caption=what, width=side)


def activation_functions(ctx: Ctx) -> None:
    x = torch.linspace(-5, 5, 201)
    acts = [Activation.RELU, Activation.SIGMOID, Activation.TANH]
    curves = {a.value: A.curve(a, x) for a in acts}
    charts.show(P.activation_curves_figure(x.numpy(), curves), key="inside_act_curves")
    st.caption("ReLU's derivative is 0 or 1: no saturation for positive inputs, but a unit stuck below zero "
               "is dead. Sigmoid's derivative is at most 0.25 and tanh's at most 1; both vanish for large |x|.")
    if st.toggle("Compare the same image and weights under each function", key="inside_act_compare"):
        per = {a.value: cache.act_stats(ctx.spec, ctx.source, ctx.image_key, ctx.size, a, ctx.prep.tensor, ctx.model)
               for a in acts}
        charts.show(P.activation_compare_figure(per), key="inside_act_stats")
        st.caption("Same weights, only the activation swapped: ReLU zeroes a large share of units, "
                   "sigmoid and tanh zero none but squash every value into (0, 1) or (−1, 1).")


def preprocessing(ctx: Ctx, original: np.ndarray) -> None:
    c = st.columns([1, 1, 2])
    c[0].image(ctx.thumb, caption=f"original {original.shape[1]}×{original.shape[0]}", width="stretch")
    c[1].image(ctx.prep.shown, caption=f"what the network sees: {ctx.size}×{ctx.size}", width="stretch")
    c[2].markdown("\n".join(f"{n + 1}. {s}" for n, s in enumerate(ctx.prep.steps)))


def held(ctx: Ctx) -> Ctx:
    """``ctx`` as the fragment keeps it: the model and the capture by weak reference. Streamlit stores a
    fragment's arguments in the session until its next whole-page run, so a strong Ctx kept each open
    tab's model alive after the shared cache let it go: 8.6 GB at 100 tabs on different specs
    (RELIABILITY.md, "Load"). The prepared image stays: it is the input, a few MB at most."""
    return dataclasses.replace(ctx, model_of=weakref.ref(ctx.model), cap_of=weakref.ref(ctx.cap))


def shown(ctx: Ctx) -> None:
    """The chosen view, as a fragment: a layer, channel or view switch reruns it, not the pickers, the
    capture and the sidebar. The page's run holds ``ctx`` while the fragment first draws."""
    _shown(held(ctx))


@st.fragment
def _shown(ctx: Ctx) -> None:
    view = st.radio("View", list(VIEWS), horizontal=True, key="inside_view", label_visibility="collapsed")
    VIEWS[view](ctx)


VIEWS = {
    "Feature maps": feature_maps,
    "Statistics": statistics,
    "conv1 filters": filters,
    "Prediction": prediction,
    "Activation functions": activation_functions,
}
