"""The Training page's pieces: the settings form, the live run panel, compare, augmentation preview.

The worker launcher is an ``st.cache_resource``: one per server process, shared by every session.
ALEXNET_LAUNCHER=off leaves jobs queued (AppTests use it to avoid spawning processes).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import streamlit as st
import torch

from alexnet_core.figures import training as plots_train
from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets as variants
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training import data as D
from alexnet_core.training import presets as train_presets
from alexnet_core.training.backends import Backend, BackendUnavailable, backend_name, make_backend
from alexnet_core.training.jobs import prepare
from alexnet_core.training.loop import OPTIMIZERS, SCHEDULES, TrainConfig
from alexnet_core.training.store import ACTIVE, Run, Store
from ui import charts, state
from ui.training import queue, snapshots

SESSION = "__session__"  # the spec choice meaning "the session's (possibly edited) spec"
REFRESH_S = 1.5


@st.cache_resource(show_spinner=False)
def _backend(folder: str, name: str) -> Backend:
    return make_backend(Path(folder), name)


def backend() -> Backend:
    """This server's training backend (ALEXNET_TRAIN_BACKEND), one per process, shared by sessions."""
    return _backend(str(runs_dir()), backend_name())


def store() -> Store:
    return Store()


def kick() -> None:
    """Mark dead runs interrupted and make sure a worker serves the queue."""
    if os.environ.get("ALEXNET_LAUNCHER", "on") == "off":
        store().recover()
        return
    try:
        backend().ensure()
    except BackendUnavailable:
        store().recover()  # the runs stay queued; backend_line() says why


_last_kick = [0.0]  # per server process: every tab watching a queued run refreshes every 1.5 s
KICK_EVERY_S = 5.0


def kick_now_and_then() -> None:
    """``kick``, at most once per KICK_EVERY_S for the whole server (a Ray probe can take seconds)."""
    now = time.monotonic()
    if now - _last_kick[0] >= KICK_EVERY_S:
        _last_kick[0] = now
        kick()


def backend_line() -> None:
    """The one line naming the backend and what it has free, or the one sentence saying why it cannot run."""
    try:
        line = backend().describe()
    except BackendUnavailable as exc:
        line = str(exc)
    (st.caption if line.startswith("Backend:") else st.error)(line)


# ---------------------------------------------------------------- the settings form

_DEFAULTS = {"tr_spec": SESSION, **{f"tr_{k}": v for k, v in TrainConfig(width=0.25).to_dict().items()}}


def _seed() -> None:
    """Widget keys vanish on page switches; re-seed them from the session's saved form."""
    saved = st.session_state.setdefault("tr_saved", dict(_DEFAULTS))
    for k in _DEFAULTS:
        if k not in st.session_state:
            st.session_state[k] = saved.get(k, _DEFAULTS[k])


def _save() -> None:
    st.session_state["tr_saved"] = {k: st.session_state.get(k, v) for k, v in _DEFAULTS.items()}


def _apply_preset() -> None:
    pid = st.session_state.get("tr_preset")
    if not pid:
        return
    p = train_presets.get(pid)
    for k, v in p.config.to_dict().items():
        st.session_state[f"tr_{k}"] = v
    st.session_state["tr_spec"] = p.variant


def settings() -> tuple[ArchSpec, str, TrainConfig]:
    """Draw the form; return the spec, its label and the config it describes."""
    _seed()
    ss = st.session_state
    st.selectbox("Preset", [""] + list(train_presets.PRESETS), key="tr_preset", on_change=_apply_preset,
                 format_func=lambda p: "— choose a course experiment —" if not p else train_presets.get(p).title,
                 help="Fills the form below. GPU presets use the course's settings; CPU ones finish in ~1 min.")
    if ss.get("tr_preset"):
        p = train_presets.get(ss["tr_preset"])
        st.caption(("GPU-sized. " if p.gpu else "") + p.note)
    session_label = state.spec_label()
    c = st.columns(3)
    c[0].selectbox("Network", [SESSION, *variants.ids()], key="tr_spec",
                   format_func=lambda v: f"This session's spec: {session_label}" if v == SESSION
                   else variants.get(v).title)
    c[1].selectbox("Dataset", [*D.DATASETS, "folder"], key="tr_dataset",
                   help="digits needs no download; torchvision sets go to the data folder")
    c[2].checkbox("Download if absent", key="tr_download", help=f"into {D.data_dir()}")
    if ss["tr_dataset"] == "folder":
        ss.setdefault("tr_folder", "")
        rel = st.text_input("Image folder (inside the data folder)", key="tr_folder",
                            help=f"one sub-folder per class, inside {D.data_dir()}")
        ss["tr_dataset_eff"] = f"folder:{rel}"
    else:
        ss["tr_dataset_eff"] = ss["tr_dataset"]
    c = st.columns(4)
    c[0].number_input("Input size (px)", 8, 1024, step=1, key="tr_input_size")
    c[1].number_input("Epochs", 1, 1000, step=1, key="tr_epochs")
    c[2].number_input("Batch size", 1, 4096, step=1, key="tr_batch_size")
    c[3].number_input("Width ×", 0.05, 4.0, step=0.125, format="%.3f", key="tr_width", help="channel multiplier; 0.25 for CPU")
    c = st.columns(4)
    c[0].selectbox("Optimizer", OPTIMIZERS, key="tr_optimizer")
    c[1].number_input("Learning rate", 1e-6, 10.0, format="%.5f", key="tr_lr")
    c[2].selectbox("Schedule", SCHEDULES, key="tr_schedule")
    c[3].number_input("Weight decay", 0.0, 1.0, format="%.5f", key="tr_weight_decay")
    c = st.columns(4)
    c[0].number_input("Momentum (SGD)", 0.0, 0.999, key="tr_momentum")
    drop = c[1].number_input("Dropout (blank: the spec's)", 0.0, 0.95, key="tr_dropout")
    c[2].number_input("Seed", 0, 2**31 - 1, step=1, key="tr_seed")
    c[3].selectbox("Device", ["auto", "cpu", "cuda", "mps"], key="tr_device",
                   help="auto picks CUDA, then MPS, then CPU")
    c = st.columns(5)
    c[0].checkbox("Flip", key="tr_flip")
    c[1].number_input("Crop shift", 0.0, 0.5, step=0.025, format="%.3f", key="tr_crop", help="max shift, fraction of the side")
    c[2].number_input("Colour jitter", 0.0, 0.9, step=0.05, key="tr_jitter")
    c[3].checkbox("bf16 (CUDA)", key="tr_amp")
    c[4].checkbox("torch.compile", key="tr_compile")
    spec, label = _network()
    snapshots.layer_choice(spec)
    _save()
    cfg = TrainConfig(**{k.removeprefix("tr_"): ss[k] for k in _DEFAULTS if k != "tr_spec"})
    cfg = replace(cfg, dataset=ss["tr_dataset_eff"], dropout=drop, epochs=int(cfg.epochs),
                  batch_size=int(cfg.batch_size), input_size=int(cfg.input_size), seed=int(cfg.seed))
    if ss.get("tr_preset"):
        preset_cfg = train_presets.get(ss["tr_preset"]).config
        cfg = replace(cfg, train_limit=preset_cfg.train_limit, test_limit=preset_cfg.test_limit)
    return spec, label, cfg


def _network() -> tuple[ArchSpec, str]:
    if st.session_state["tr_spec"] == SESSION:
        return state.current_spec(), state.spec_label()
    v = variants.get(st.session_state["tr_spec"])
    return v.spec, v.title


def start(spec: ArchSpec, label: str, cfg: TrainConfig) -> int | None:
    """Queue a run within the classroom's queue limits and the budget; else show why and queue nothing."""
    try:
        if refused := queue.refusal(store()):  # said at once, before any check or connection
            raise ValueError(refused)
        device, name = prepare(spec, cfg, backend())  # outside the queue's lock: Ray may take seconds to connect
        rid = queue.admit(store(), st.session_state.get(queue.KEY, []), lambda: store().create(
            f"{label} · {cfg.dataset}", spec.to_dict(), cfg.to_dict(), device, backend=name))
    except (ValueError, BackendUnavailable) as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    queue.remember(rid)
    st.session_state["tr_selected"] = rid
    kick()
    return rid


# ---------------------------------------------------------------- runs

def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def runs_table(runs: list[Run]) -> list[dict]:
    rows = []
    for r in runs:
        rows.append({"run": r.id, "status": r.status, "network · dataset": r.label,
                     "epochs": f"{r.epochs_done}/{r.config.get('epochs')}", "device": r.device, "backend": r.backend,
                     "lr": r.config.get("lr"), "optimizer": r.config.get("optimizer"),
                     "reason": r.reason or ""})
    return rows


def runs_overview() -> None:
    """The table of all runs; inside a fragment so statuses move while jobs train."""
    st.dataframe(runs_table(store().list()), hide_index=True, width="stretch", key="tr_runs_table")


def run_panel(run_id: int, was_active: bool) -> None:
    """Progress, status and curves of one run; drawn inside a fragment that reruns while it trains."""
    s = store()
    try:
        run = s.get(run_id)
    except KeyError:
        st.info("That run was deleted.")
        return
    epochs = int(run.config.get("epochs", 1))
    if run.status == "running":
        st.progress(min(max(run.progress, 0.0), 1.0),
                    text=f"Running on {run.device}: epoch {min(run.epochs_done + 1, epochs)}/{epochs} · "
                         f"{run.progress:.0%} · ETA {fmt_eta(run.eta_s)}")
    elif run.status == "queued":
        kick_now_and_then()  # the live view keeps the queue served: a worker that left as this run came is replaced
        ahead = [r for r in s.list(["queued", "running"]) if r.id < run.id and r.device == run.device]
        st.progress(0.0, text=f"Queued for {run.device}: {len(ahead)} job(s) ahead")
    elif run.status == "done":
        st.success(f"Done: {epochs} epochs.", icon=":material/check_circle:")
    elif run.status == "failed":
        st.error(f"Failed: {run.reason}", icon=":material/error:")
    else:
        st.warning(f"{run.status.capitalize()}: {run.reason}", icon=":material/pause_circle:")
    metrics = s.metrics(run_id)
    n_points = sum(len(v) for v in metrics.values())
    best = plots_train.best_epoch(metrics)
    c = st.columns(3)
    c[0].metric("Epochs finished", f"{run.epochs_done}/{epochs}")
    c[1].metric("Best test accuracy", f"{best[1]:.3f}" if best else "—",
                help=f"epoch {best[0]}" if best else None)
    last_loss = metrics.get("step/train_loss", [])
    c[2].metric("Last train loss", f"{last_loss[-1][1]:.4f}" if last_loss else "—")
    snapshots.curves_and_snapshot(s, run_id, metrics, run.info.get("steps_per_epoch"))
    st.caption(f"{n_points} metric points logged · run #{run.id} · {run.label}",
               help="Stored in SQLite; they survive reloads, new tabs and restarts.")
    if was_active and run.status not in ACTIVE:
        time.sleep(0.1)
        st.rerun(scope="app")  # refresh the table and stop the timer


def run_actions(run: Run) -> None:
    s = store()
    c = st.columns(4)
    if run.status in ACTIVE:
        if c[0].button("Cancel", key=f"tr_cancel_{run.id}", icon=":material/stop:"):
            s.request_cancel(run.id)
            st.toast(f"Cancelling run #{run.id}")
    else:
        if run.status in ("interrupted", "cancelled", "failed") and run.epochs_done < run.config.get("epochs", 0) \
                and run.epochs_done > 0:
            if c[0].button("Resume", key=f"tr_resume_{run.id}", icon=":material/play_arrow:",
                           help=f"continue after epoch {run.epochs_done}"):
                s.requeue(run.id, resume=True)
                kick()
                st.rerun()
        if c[1].button("Rerun", key=f"tr_rerun_{run.id}", icon=":material/replay:", help="start over"):
            s.requeue(run.id, resume=False)
            kick()
            st.rerun()
    c[2].download_button("Metrics CSV", s.export_csv([run.id]), file_name=f"run_{run.id}_metrics.csv",
                         mime="text/csv", key=f"tr_csv_{run.id}", icon=":material/download:")
    ckpt = s.checkpoint_path(run.id)
    if ckpt.exists():
        c[3].caption(f"Checkpoint: `{ckpt}`")


def compare(runs: list[Run]) -> None:
    s = store()
    with_epochs = [r for r in runs if r.epochs_done > 0]
    if not with_epochs:
        st.caption("Runs with at least one finished epoch can be compared here.")
        return
    picked = st.multiselect("Runs", [r.id for r in with_epochs], default=[r.id for r in with_epochs[:3]],
                            format_func=lambda i: next(r.title for r in with_epochs if r.id == i), key="tr_cmp")
    key = st.selectbox("Metric", ["epoch/test_acc", "epoch/test_loss", "epoch/train_acc", "epoch/train_loss"],
                       key="tr_cmp_key", format_func=lambda k: k.split("/")[1].replace("_", " "))
    if picked:
        charts.show(plots_train.compare_runs([(f"#{i}", s.metrics(i, "epoch/")) for i in picked], key),
                    key="tr_cmp_fig")
        st.download_button("CSV of these runs", s.export_csv(picked), file_name="runs_metrics.csv",
                           mime="text/csv", key="tr_cmp_csv")


@st.cache_resource(show_spinner=False, max_entries=4)
def _preview_data(name: str) -> D.TensorData:
    return D.load(name, train=True).subset(512)


def augment_preview(cfg: TrainConfig, spec: ArchSpec) -> None:
    try:
        data = _preview_data(cfg.dataset)
    except (D.DatasetError, ValueError) as exc:
        st.info(str(exc))
        return
    gen = torch.Generator().manual_seed(int(st.session_state.get("tr_preview_seed", 0)))
    idx = torch.randperm(len(data), generator=gen)[:16]
    mean = torch.zeros(1, data.channels, 1, 1)
    std = torch.ones(1, data.channels, 1, 1)
    side = min(int(cfg.input_size), 96)  # the preview shows the transform, not every pixel
    x = D.prepare(data.images[idx], side, mean=mean, std=std, aug=D.Augment(cfg.flip, cfg.crop, cfg.jitter),
                  generator=gen)
    charts.show(plots_train.augment_grid(x, [data.classes[int(i)] for i in data.labels[idx]]),
                key="tr_aug_fig")
    if st.button("New samples", key="tr_preview_btn", icon=":material/shuffle:"):
        st.session_state["tr_preview_seed"] = int(st.session_state.get("tr_preview_seed", 0)) + 1
        st.rerun()
