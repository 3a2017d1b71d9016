"""The job queue: a worker in its own OS process (spawn, so CUDA works) runs one job per device.

The store is the only channel: the app queues runs and asks for cancels; the worker claims,
trains and writes metrics, heartbeats and checkpoints. A file lock per device makes sure that
only one worker serves a device, however many app processes start one. A worker that dies
mid-epoch leaves its finished epochs (metrics + resume state) behind; ``Store.recover`` marks
its run interrupted, and ``resume`` continues after the last finished epoch. The worker outlives the app
process that started it (killed or exited): it finishes what the store holds, then exits when idle.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing as mp
import os
import sys
import threading
import time
import traceback
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from alexnet_core.spec.parse import spec_from_dict
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training.data import check_name
from alexnet_core.training.loop import (
    Cancelled,
    TrainConfig,
    TrainingFailed,
    fit,
    prepare_run,
    resolve_device,
)
from alexnet_core.training.store import Run, Store
from alexnet_core.weights.checkpoint import TrainedWith, load_resume, save_checkpoint, save_resume

IDLE_EXIT_S = 120.0  # a worker with nothing to do exits; the app starts a new one on demand
POLL_S = 0.5
CANCEL_POLL_S = 0.5


class StoreCallbacks:
    """Training callbacks that write to the store (and to tensorboard when it is installed)."""

    def __init__(self, store: Store, run: Run, echo: Any = None) -> None:
        self.store, self.run, self.echo = store, run, echo
        self.t0 = time.monotonic()
        self.p0 = run.progress if run.resume else 0.0
        self.spec: ArchSpec | None = None
        self.trained: TrainedWith | None = None
        self.tb = _tensorboard_writer(store.run_dir(run.id))
        self._last_cancel_check = 0.0
        self._cancel = False
        self._started = False  # the first snapshot is the starting state's; later ones wait for their commit
        self._pending: tuple[int, bytes | None] | None = None

    def on_start(self, info: dict[str, Any]) -> None:
        self.spec = spec_from_dict(info["spec"])
        self.trained = info.get("trained_with")
        self.store.update(self.run.id, info={k: v for k, v in info.items() if k not in ("spec", "trained_with")})

    def _eta(self, progress: float) -> float | None:
        done = progress - self.p0
        if done <= 0:
            return None
        return (time.monotonic() - self.t0) / done * (1 - progress)

    def on_step(self, epoch: int, step: int, metrics: dict[str, float], progress: float) -> None:
        self.store.log(self.run.id, [(f"step/train_{k}", step, v) for k, v in metrics.items()])
        self.store.beat(self.run.id, progress, self._eta(progress))
        if self.tb is not None:
            for k, v in metrics.items():
                self.tb.add_scalar(f"step/train_{k}", v, step)

    def on_snapshot(self, epoch: int, data: bytes | None) -> None:
        if self._started:
            self._pending = (epoch, data)
            return
        self._started = True
        if data is not None:
            self.store.keep_start_snapshot(self.run.id, epoch, data)

    def on_epoch(self, epoch: int, metrics: dict[str, float], model: nn.Module,
                 optimizer: torch.optim.Optimizer) -> None:
        assert self.spec is not None
        rid = self.run.id
        # Files first, then the row: a kill between the two loses at most this epoch's row.
        save_checkpoint(self.store.checkpoint_path(rid), self.spec, model,
                        meta={"run": rid, "epoch": epoch, **metrics}, trained=self.trained)
        save_resume(self.store.resume_path(rid), model, optimizer, epoch, metrics)
        self.epoch_done(epoch, metrics)

    def epoch_done(self, epoch: int, metrics: dict[str, float]) -> None:
        """The epoch's files are written: its row and its snapshot go in, in one transaction."""
        pending, self._pending = self._pending, None
        snapshot = pending[1] if pending is not None and pending[0] == epoch else None
        self.store.commit_epoch(self.run.id, epoch, [(f"epoch/{k}", epoch, v) for k, v in metrics.items()], snapshot)
        if self.tb is not None:
            for k, v in metrics.items():
                self.tb.add_scalar(f"epoch/{k}", v, epoch)
            self.tb.flush()
        if self.echo is not None:
            self.echo(epoch, metrics)

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self._last_cancel_check >= CANCEL_POLL_S:
            self._last_cancel_check = now
            self._cancel = self.store.cancel_requested(self.run.id)
        return self._cancel

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()


def _tensorboard_writer(folder: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:  # tensorboard is optional
        return None
    return SummaryWriter(str(folder / "tb"))


def resume_point(store: Store, run: Run) -> tuple[int, dict[str, Any] | None]:
    """The epoch a (resumed) run starts after and its saved state; rows past it are dropped."""
    if not (run.resume and run.epochs_done > 0 and store.resume_path(run.id).exists()):
        return 0, None
    state = load_resume(store.resume_path(run.id))
    start = int(state["epoch"])
    if start > run.epochs_done:  # killed between the files and the row: the file has the metrics
        store.commit_epoch(run.id, start, [(f"epoch/{k}", start, v) for k, v in state["metrics"].items()])
    store.truncate(run.id, start, start * int(run.info.get("steps_per_epoch", 0)))
    return start, state


def train(run: Run, cb: Any, should_stop: Any, start: int, state: dict[str, Any] | None) -> tuple[str, str | None]:
    """Fit one run from ``start``; (status, reason) of how it ended. Used here and on a Ray worker."""
    try:
        cfg = TrainConfig.from_dict(run.config)
        spec = spec_from_dict(run.spec)
        prepared = prepare_run(spec, cfg)
        fit(spec, cfg, cb, should_stop=should_stop, start_epoch=start, resume_state=state, prepared=prepared)
    except Cancelled:
        return "cancelled", "cancelled by the user; finished epochs kept"
    except (TrainingFailed, ValueError, KeyError, FileNotFoundError) as exc:  # user-caused: one line
        return "failed", str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
    except OSError as exc:  # the run's files could not be written (a full disk, a read-only folder)
        return "failed", (f"could not write the run's files ({exc.strerror or exc}); the epochs finished "
                          "before it are kept, and Resume continues once there is room")
    except Exception as exc:  # a bug or a crash inside torch: keep the reason, keep the worker alive
        last = traceback.format_exc().strip().splitlines()[-1]
        return "failed", f"crashed: {type(exc).__name__}: {exc} ({last})"
    return "done", None


def run_job(store: Store, run: Run, echo: Any = None) -> str:
    """Train one claimed run to its end in this process; returns and records its final status."""
    cb = StoreCallbacks(store, run, echo)
    try:
        try:
            start, state = resume_point(store, run)
        except Exception as exc:  # an unreadable resume file: one line, like any failed start
            store.finish(run.id, "failed", str(exc))
            return "failed"
        status, reason = train(run, cb, cb.should_stop, start, state)
    finally:
        cb.close()
    store.finish(run.id, status, reason)
    return status


def _lock(folder: Path, device: str) -> Any:
    """An exclusive lock per device; None if another live worker holds it."""
    f = open(folder / f"worker-{device}.lock", "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    f.seek(0)
    f.truncate()
    f.write(str(os.getpid()))
    f.flush()
    return f


def lock_held(folder: Path, device: str) -> bool:
    """True if a live worker holds this device's lock. A separate open of the file, so this process's own
    lock (another open file description) conflicts too; released at once."""
    try:
        f = open(folder / f"worker-{device}.lock", "a+")
    except OSError:
        return False
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def worker_main(runs_folder: str, device: str, idle_exit_s: float = IDLE_EXIT_S, ready: Any = None) -> None:
    """Entry point of the worker process: claim, run, repeat; exit when idle. ``ready`` (an Event) is set once
    this process has tried the device lock: from then on, alive without the lock means it is leaving."""
    if os.environ.get("ALEXNET_TRAIN_THREADS", "").isdigit():
        torch.set_num_threads(max(1, int(os.environ["ALEXNET_TRAIN_THREADS"])))
    store = Store(Path(runs_folder))
    lock = _lock(store.folder, device)
    if ready is not None:
        ready.set()
    if lock is None:
        return  # another worker serves this device
    store.recover()
    while lock is not None:
        _serve(store, device, idle_exit_s)
        lock.close()
        # Let go, then look once more: a run queued while this worker was deciding to leave found the lock
        # held (or this process alive), so no app started another worker for it. Serve it, unless another
        # worker took the device meanwhile (that one claims it).
        lock = _lock(store.folder, device) if _queued_for(store, device) else None


def _serve(store: Store, device: str, idle_exit_s: float) -> None:
    """Claim and run this device's queued runs until none came for ``idle_exit_s``."""
    idle_since = time.monotonic()
    while True:
        run = store.claim_next(device, os.getpid(), "local")
        if run is not None:
            run_job(store, run)
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= idle_exit_s:
            return
        else:
            time.sleep(POLL_S)


def _queued_for(store: Store, device: str) -> bool:
    return any(r.device == device and r.backend == "local" for r in store.list(["queued"]))


_START_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """A spawned child re-runs the parent's ``__main__`` file before anything else. In a Streamlit
    server (and after AppTest) ``__main__`` is the page script that called us, so the child would run
    the page, whose kick() starts a process during bootstrapping. The worker needs nothing from
    ``__main__``: hide it for the duration of start(), which reads it synchronously."""
    with _START_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class Launcher:
    """Starts (and restarts) the worker process for one device. One per app process."""

    def __init__(self, runs_folder: Path, device: str = "auto", idle_exit_s: float = IDLE_EXIT_S) -> None:
        self.folder = Path(runs_folder)
        self.device = resolve_device(device)
        self.idle_exit_s = idle_exit_s
        self.ctx = mp.get_context("spawn")
        self.process: mp.process.BaseProcess | None = None
        self.leaving: list[mp.process.BaseProcess] = []  # replaced workers, polled until reaped (no zombies)
        self.ready = self.ctx.Event()  # set by the worker once it has tried the device lock

    def ensure(self) -> None:
        """Recover lost runs; start a worker if there is queued work and no worker serves the device."""
        store = Store(self.folder)
        store.recover()
        self.leaving = [p for p in self.leaving if p.is_alive()]  # is_alive() reaps one that has exited
        if self.process is not None and self.process.is_alive() and not self.ready.is_set():
            return  # ours is starting: it takes the lock, then claims the queue
        if not _queued_for(store, self.device):
            return
        # A live worker holds the lock (ours, or another app's): it claims these runs, and one that is leaving
        # looks at the queue once more after letting go. Ours alive without the lock is leaving: start another.
        if lock_held(self.folder, self.device):  # spawning one (a torch import) only to find the lock held
            return  # would cost seconds per page view
        if self.process is not None and self.process.is_alive():
            self.leaving.append(self.process)
        self.ready = self.ctx.Event()
        self.process = self.ctx.Process(target=worker_main,
                                        args=(str(self.folder), self.device, self.idle_exit_s, self.ready),
                                        daemon=True, name=f"alexnet-worker-{self.device}")
        with _main_not_rerun():
            self.process.start()
        # The worker serves the runs folder, not this app: a run of another app process sharing the folder
        # may be on it. Off multiprocessing's list of children, this process's normal exit (which would
        # terminate a daemon child) leaves it training, as a kill -9 of the app always did.
        mp.process._children.discard(self.process)  # type: ignore[attr-defined]

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.is_alive() else None

    def stop(self, timeout: float = 10) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout)


def prepare(spec: ArchSpec, cfg: TrainConfig, backend: Any = None) -> tuple[str, str]:
    """(device, backend name) for a run, checked now (settings and the budget for training this spec, the
    CLI's sentence): a run over it never reaches a worker. May take a while (a Ray backend connects)."""
    cfg.check(spec)
    check_name(cfg.dataset)
    if backend is None:
        return resolve_device(cfg.device), "local"
    return backend.device_for(cfg), backend.name


def submit(store: Store, spec: ArchSpec, cfg: TrainConfig, label: str, backend: Any = None) -> int:
    """Queue a run for the backend (local by default) on the device it resolves to (``prepare``)."""
    device, name = prepare(spec, cfg, backend)
    return store.create(label, spec.to_dict(), cfg.to_dict(), device, backend=name)
