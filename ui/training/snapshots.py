"""Watch it learn: the run view's epoch slider, the curves marked at that epoch, and the snapshot
(conv1's filters and the probe's maps) the run kept then. Drawn inside the run panel's fragment."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from alexnet_core.figures import inside_scene
from alexnet_core.figures import training as plots_train
from alexnet_core.figures.scene import Scene, to_svg
from alexnet_core.figures.training import Points
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training.snapshots import DEFAULT_LAYER, Snapshot, SnapshotError, decode, layer_choices
from alexnet_core.training.store import Store
from ui import charts

FILTERS_PX = 420  # the filter mosaic is scaled up by whole pixels to about this width


def layer_choice(spec: ArchSpec) -> None:
    """The form's snapshot layer (key tr_snapshot_layer): one of this network's layers with maps, or none."""
    choices = ["", *layer_choices(spec)]
    if st.session_state.get("tr_snapshot_layer") not in choices:  # another network: back to its conv1
        st.session_state["tr_snapshot_layer"] = DEFAULT_LAYER if DEFAULT_LAYER in choices else ""
    st.columns(4)[0].selectbox("Snapshot layer", choices, key="tr_snapshot_layer", format_func=lambda x: x or "none",
                               help="Each epoch keeps conv1's filters and this layer's top-16 maps of the first "
                                    "test image, for the run view's epoch slider.")


def _chosen_epoch(run_id: int, epochs: list[int]) -> int:
    """The slider's epoch: it follows the newest snapshot until someone moves it away from the end."""
    key, seen = f"tr_snap_epoch_{run_id}", f"_tr_snap_epochs_{run_id}"
    ss = st.session_state
    previous = ss.get(seen)
    if previous != epochs:  # a new range: Streamlit drops the widget's value, so set it again
        at_end = previous is None or ss.get(key) in (None, previous[-1] if previous else None)
        ss[key] = epochs[-1] if at_end or ss.get(key) not in epochs else ss[key]
        ss[seen] = epochs
    if len(epochs) == 1:
        return epochs[0]
    return int(st.select_slider("Epoch", epochs, key=key, help="Epoch 0 is the network before its first step."))


@dataclass(frozen=True)
class Drawn:
    """One epoch's snapshot and its pictures."""

    snap: Snapshot
    filters: bytes  # conv1's filters as a PNG mosaic (st.image would encode an array on every rerun)
    maps: Scene
    maps_svg: str


@st.cache_resource(max_entries=64, show_spinner=False)  # keyed by the bytes' content
def _drawn(blob: bytes) -> Drawn:
    """Decoded and drawn once per snapshot (by its bytes, which never change once written): the run view
    reruns every 1.5 s while the run trains, in every tab watching it, and drawing the maps took ~10 ms.
    SnapshotError is raised, and not cached."""
    snap = decode(blob)
    o, _, k, _ = snap.filters.shape
    cols = min(16, o)
    filters = inside_scene.png(plots_train.snapshot_filters(snap, cols=cols,
                                                            scale=max(2, min(8, FILTERS_PX // (cols * (k + 1))))))
    maps = plots_train.snapshot_maps(snap)
    return Drawn(snap, filters, maps, to_svg(maps))


def curves_and_snapshot(store: Store, run_id: int, metrics: dict[str, Points], steps_per_epoch: int | None) -> None:
    """The curves; with snapshots, an epoch slider above them, the epoch marked, its filters and maps below."""
    epochs = store.snapshot_epochs(run_id)
    if not epochs:
        charts.show(plots_train.run_curves(metrics, steps_per_epoch), key=f"tr_curves_{run_id}")
        return
    epoch = _chosen_epoch(run_id, epochs)
    charts.show(plots_train.run_curves(metrics, steps_per_epoch, mark_epoch=epoch), key=f"tr_curves_{run_id}")
    try:
        drawn = _drawn(store.snapshot(run_id, epoch))
    except (SnapshotError, KeyError) as exc:
        st.warning(str(exc.args[0] if isinstance(exc, KeyError) else exc), icon=":material/warning:")
        return
    snap = drawn.snap
    o, _, k, _ = snap.filters.shape
    left, right = st.columns(2)
    with left:
        st.markdown(f"**conv1 filters at epoch {epoch}**")
        st.image(drawn.filters)
        st.caption(f"{o} filters of {k}×{k}, each stretched to its own min–max, as on the Inside page.")
    with right:
        c, h, w = snap.map_shape
        st.markdown(f"**{snap.layer} maps of the probe image at epoch {epoch}**")
        charts.inline(drawn.maps_svg)
        charts.download(lambda: drawn.maps, "These maps", name=f"run{run_id}_epoch{epoch}_{snap.layer}_maps",
                        key=f"tr_snap_maps_file_{run_id}")
        st.caption(f"The {len(snap.maps)} most active of {c} channels for the first test image, "
                   f"{h}×{w} each, downsampled as the Inside grid does.")
