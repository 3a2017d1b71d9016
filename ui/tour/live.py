"""The live views the tour's steps show: the app's own views (Layer Lab results, Inside views, Compare's
figure, Training's preview and comparison), fed the step's spec instead of the sidebar's."""

from __future__ import annotations

import streamlit as st

from alexnet_core.arch.shapes import ShapeError
from alexnet_core.arch.table import analytic_summary
from alexnet_core.figures import lab as lab_figures
from alexnet_core.inside import images
from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training import presets as train_presets
from alexnet_core.training.store import ACTIVE
from alexnet_core.weights import imagenet
from alexnet_core.weights.source import Kind, WeightsError, WeightsSource, checkpoint_files
from ui import charts
from ui.inside import cache as inside_cache
from ui.inside import context, views
from ui.lab import view as lab_view
from ui.training import panel

RATES = ("cpu_digits_adam_lr0.001", "cpu_digits_adam_lr0.01")  # a good learning rate, one too high


def network(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    """The Layer Lab's results (totals, flow plot, table) for the step's spec; ✎ marks what "Try this"
    changed against the step's own preset (``base``)."""
    lab_view.results(spec, base, size)


def _ctx(spec: ArchSpec, size: int, source: WeightsSource | None = None) -> views.Ctx | None:
    name = images.builtin_names()[0]
    try:
        loaded = inside_cache.model(spec, source or WeightsSource(Kind.RANDOM))
        return context.build(loaded, f"builtin:{name}", inside_cache.builtin_image(name),
                             loaded.input_size(size))
    except (ShapeError, WeightsError) as err:
        st.error(str(err), icon=":material/error:")
        return None


def inside(view: str):  # noqa: ANN201 - returns a live-view function
    def draw(spec: ArchSpec, size: int, base: ArchSpec) -> None:
        ctx = _ctx(spec, size)
        if ctx is not None:
            views.VIEWS[view](ctx)
    return draw


def activations(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    """Inside's activation view with its comparison open: the same image and weights under each function."""
    st.session_state.setdefault("inside_act_compare", True)
    inside("Activation functions")(spec, size, base)


def preprocessing(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    ctx = _ctx(spec, size)
    if ctx is not None:
        name = images.builtin_names()[0]
        views.preprocessing(ctx, inside_cache.builtin_image(name))


def compare_norms(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    """The 2012 paper's LRN network against the BatchNorm one: Compare's figure."""
    entries = [presets.get(v) for v in ("paper2012", "batchnorm")]
    summaries = [analytic_summary(v.spec, v.input_size) for v in entries]
    charts.show(lab_figures.compare_figure([v.title for v in entries], summaries), key="tour_compare")
    network(spec, size, base)


def augmentation(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    preset = train_presets.get(RATES[0])
    panel.augment_preview(preset.config, presets.get(preset.variant).spec)


def _run_ids() -> list[int]:
    return list(st.session_state.get("tour_runs", []))


def start_rates() -> None:
    """Both learning rates as runs on the offline digits data, through the Training page's own start (its
    queue limits and budget too: a refused run shows why, and a run already queued stays on the step)."""
    ids = []
    for pid in RATES:
        p = train_presets.get(pid)
        rid = panel.start(presets.get(p.variant).spec, p.title, p.config)
        if rid is None:
            break
        ids.append(rid)
    if ids:
        st.session_state["tour_runs"] = ids


def training(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    ids = _run_ids()
    if not ids:
        st.info("Press the button to start both runs (about a minute on a laptop CPU); their curves appear here.")
        return
    active = any(r.id in ids and r.status in ACTIVE for r in panel.store().list())
    # As on the Training page: while a run trains, the curves redraw on their own (the rest of the step stays).
    st.fragment(run_every=panel.REFRESH_S if active else None)(_curves)(ids)


def _curves(ids: list[int]) -> None:
    runs = [r for r in panel.store().list() if r.id in ids]
    panel.compare(runs)
    st.caption(" · ".join(f"{r.title}: {r.status}, {r.epochs_done} epochs" for r in runs))


def trained_features(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    files = checkpoint_files()
    if files:
        source = WeightsSource(Kind.CHECKPOINT, checkpoint=files[0])
    elif imagenet.is_cached():
        source = WeightsSource(Kind.PRETRAINED)
    else:
        st.info("No trained weights yet: run step 11's training (or any run on the Training page), or cache "
                "torchvision's ImageNet weights from the Inside page.")
        return
    st.caption(f"Weights: {source.label()}.")
    ctx = _ctx(spec, size, source)
    if ctx is not None:
        views.feature_maps(ctx)


def conv1(spec: ArchSpec, size: int, base: ArchSpec) -> None:
    """The table for the step's spec, then the conv1 filters it starts with."""
    network(spec, size, base)
    inside("conv1 filters")(spec, size, base)
