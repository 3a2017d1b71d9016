"""The ``ray`` backend: each queued run becomes one Ray task (a streaming generator) placed by Ray.

The app side follows each task's stream in a thread and writes it into the store exactly as the
local worker would (files first, then the epoch's row in one transaction), so pages read only the
store. A run's ``pid`` is the following process: if it dies, Ray ends the task it owned and
``Store.recover`` marks the run interrupted. Ray never retries a task (max_retries=0): the app
decides about resuming.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import ray
import ray.exceptions as rex

from alexnet_core.training.jobs import StoreCallbacks, resume_point
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.ray_task import stream_run
from alexnet_core.training.records import BackendUnavailable, Run
from alexnet_core.training.store import Store, kept

CONNECT_TIMEOUT_S = 15.0  # ray.init to a dead address can hang
LOCAL_START_TIMEOUT_S = 90.0  # starting a local Ray takes ~4-9 s, longer on a loaded box
CANCEL_POLL_S = 0.5
FORCE_CANCEL_AFTER_S = 5.0  # a polite cancel waits for the current step; then the worker is killed
_CONNECT = threading.Lock()
_pending: list[threading.Event] = []  # set once an attempt to init has returned


def cpus_per_job() -> int:
    return max(1, int(os.environ.get("ALEXNET_RAY_CPUS", "1") or 1))


def unreachable(address: str, why: str) -> str:
    return (f"No Ray cluster answers at RAY_ADDRESS={address} ({why}): runs stay queued until it does, "
            f"or unset RAY_ADDRESS to start a local Ray.")


def _probe(address: str, timeout: float) -> None:
    hostport = address.removeprefix("ray://")
    if hostport == "auto" or ":" not in hostport:
        return
    host, port = hostport.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=min(timeout, 3.0)).close()
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(unreachable(address, getattr(exc, "strerror", None) or str(exc))) from None


def connect(address: str | None = None, timeout: float | None = None) -> None:
    """Join RAY_ADDRESS's cluster, or start a local Ray; bounded by ``timeout``."""
    address = address if address is not None else os.environ.get("RAY_ADDRESS") or None
    timeout = timeout or (CONNECT_TIMEOUT_S if address else LOCAL_START_TIMEOUT_S)
    with _CONNECT:
        if ray.is_initialized():
            joined = ray.get_runtime_context().gcs_address
            if not address or address.removeprefix("ray://") in (joined, "auto"):
                return
            _probe(address, timeout)  # a dead address says so; a live other one cannot be joined too
            raise BackendUnavailable(unreachable(address, f"this process is already joined to the Ray at {joined}"))
        if any(not returned.is_set() for returned in _pending):
            raise BackendUnavailable(unreachable(address or "(local)", "an earlier attempt is still waiting"))
        if address:
            _probe(address, timeout)
        errors: list[BaseException] = []
        returned = threading.Event()

        def init() -> None:
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         ignore_reinit_error=True)
            except BaseException as exc:  # reported by the caller
                errors.append(exc)
                return
            finally:
                returned.set()
            # A local Ray's processes die with the thread that started them (Linux's parent-death
            # signal is per thread), and Streamlit's script threads end after each run: stay.
            threading.Event().wait()

        thread = threading.Thread(target=init, name="alexnet-ray-init", daemon=True)
        _pending[:] = [returned]
        thread.start()
        if not returned.wait(timeout):
            raise BackendUnavailable(unreachable(address or "(local)", f"no answer within {timeout:.0f} s"))
        if errors:
            raise BackendUnavailable(unreachable(address or "(local)", str(errors[0]).splitlines()[0][:200]))


@functools.cache
def _task() -> Any:
    """The remote function, made once: never retried, results streamed back as they come."""
    return ray.remote(num_returns="streaming", max_retries=0)(stream_run)


def _fault(exc: BaseException, store: Store, run: Run) -> tuple[str, str]:
    """(status, reason) for a stream that ended without its own end event."""
    done = store.get(run.id).epochs_done
    where = f"during epoch {done + 1}; {kept(done)}"
    if isinstance(exc, rex.TaskCancelledError) or isinstance(getattr(exc, "cause", None), rex.TaskCancelledError):
        if store.cancel_requested(run.id):
            return "cancelled", "cancelled by the user; finished epochs kept"
        return "interrupted", f"the Ray task was cancelled outside the app {where}"
    if isinstance(exc, rex.WorkerCrashedError):
        return "interrupted", f"the Ray worker process running it died (killed, or out of memory) {where}"
    if isinstance(exc, rex.NodeDiedError | rex.LocalRayletDiedError | rex.ObjectLostError):
        return "interrupted", f"the Ray node running it was lost {where}"
    if isinstance(exc, rex.RayTaskError):
        return "failed", f"crashed on the Ray worker: {str(exc).strip().splitlines()[-1][:300]}"
    return "interrupted", f"the link to Ray broke ({type(exc).__name__}) {where}"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def follow(store: Store, run: Run, stream: Any, echo: Any = None) -> str:
    """Write one task's events into the store until it ends; returns and records its final status."""
    cb = StoreCallbacks(store, run, echo)
    hello: dict[str, Any] = {}
    status, reason = "interrupted", "the Ray stream ended without a result"
    try:
        for ref in stream:
            event = ray.get(ref)
            kind = event["kind"]
            if kind == "hello":
                hello = {"ray_worker_pid": event["pid"], "ray_node": event["node"]}
                store.update(run.id, info={**run.info, **hello})
            elif kind == "start":
                cb.on_start({**event["info"], **hello})
            elif kind == "step":
                cb.on_step(event["epoch"], event["step"], event["metrics"], event["progress"])
            elif kind == "snapshot":  # the start's is kept at once, an epoch's with that epoch's row
                cb.on_snapshot(event["epoch"], event["data"])
            elif kind == "epoch":  # files first, then the row: as the local worker does
                _write(store.checkpoint_path(run.id), event["model"])
                _write(store.resume_path(run.id), event["resume"])
                cb.epoch_done(event["epoch"], event["metrics"])
            elif kind == "end":
                status, reason = event["status"], event["reason"]
    except Exception as exc:
        status, reason = _fault(exc, store, run)
    finally:
        cb.close()
    store.finish(run.id, status, reason)
    return status


class Follower:
    """One run on Ray: the task, a thread following its stream, a thread passing a cancel on."""

    def __init__(self, store: Store, run: Run, echo: Any = None) -> None:
        self.store, self.run, self.echo = store, run, echo
        start, state = resume_point(store, run)
        cuda = run.device.startswith("cuda")
        task = _task().options(num_cpus=1 if cuda else cpus_per_job(), num_gpus=1 if cuda else 0,
                               name=f"alexnet-run-{run.id}")
        self.stream = task.remote(run, start, state, 1 if cuda else cpus_per_job())
        self.status: str | None = None
        self.thread = threading.Thread(target=self._follow, name=f"alexnet-follow-{run.id}", daemon=True)
        self.thread.start()
        threading.Thread(target=self._watch, name=f"alexnet-cancel-{run.id}", daemon=True).start()

    def _follow(self) -> None:
        try:
            self.status = follow(self.store, self.run, self.stream, self.echo)
        except Exception as exc:  # never leave a run 'running' behind a dead thread
            self.status = "failed"
            self.store.finish(self.run.id, "failed", f"the app could not follow the Ray task: {exc}")

    def _watch(self) -> None:
        asked = None
        while self.thread.is_alive():
            if asked is None and self.store.cancel_requested(self.run.id):
                asked = time.monotonic()
                ray.cancel(self.stream)
            elif asked is not None and time.monotonic() - asked > FORCE_CANCEL_AFTER_S:
                ray.cancel(self.stream, force=True)
                asked = float("inf")
            time.sleep(CANCEL_POLL_S)

    def cancel(self, force: bool = False) -> None:
        ray.cancel(self.stream, force=force)


class RayBackend:
    """Claims queued ``ray`` runs up to what the cluster can place and follows each one."""

    name = "ray"

    def __init__(self, folder: Path, address: str | None = None) -> None:
        self.folder = Path(folder)
        self.address = address if address is not None else os.environ.get("RAY_ADDRESS") or None
        self.followers: dict[int, Follower] = {}
        self.lock = threading.Lock()

    def connect(self) -> None:
        connect(self.address)

    def device_for(self, cfg: TrainConfig) -> str:
        if cfg.device == "mps":
            raise ValueError("device mps is this machine's; the ray backend places cpu or cuda runs")
        if cfg.device != "auto":
            return "cuda" if cfg.device.startswith("cuda") else "cpu"
        try:
            self.connect()
        except BackendUnavailable:
            return "auto"  # decided when the cluster answers
        return "cuda" if ray.cluster_resources().get("GPU", 0) >= 1 else "cpu"

    def slots(self, device: str) -> int:
        """How many runs on ``device`` the cluster can hold at once: one per GPU, or per CPU share."""
        total = ray.cluster_resources()
        if device == "cuda":
            return int(total.get("GPU", 0))
        return max(1, int(total.get("CPU", 0) // cpus_per_job()))

    def ensure(self) -> None:
        store = Store(self.folder)
        store.recover()
        queued = [r for r in store.list(["queued"]) if r.backend == "ray"]
        if not queued:
            return
        self.connect()
        with self.lock:
            for r in queued:
                if r.device == "auto":
                    store.update(r.id, device=self.device_for(TrainConfig.from_dict(r.config)))
            for device in ("cuda", "cpu"):
                while (run := store.claim_next(device, os.getpid(), "ray", self.slots(device))) is not None:
                    try:
                        self.followers[run.id] = Follower(store, run)
                    except Exception as exc:  # an unreadable resume file: one line, as the local worker says
                        store.finish(run.id, "failed", str(exc))

    def describe(self) -> str:
        try:
            self.connect()
            total, free = ray.cluster_resources(), ray.available_resources()
        except BackendUnavailable as exc:
            return str(exc)
        where = f"the cluster at {self.address}" if self.address else "a local Ray on this machine"
        return (f"Backend: Ray, {where}: {free.get('GPU', 0):g}/{total.get('GPU', 0):g} GPUs and "
                f"{free.get('CPU', 0):g}/{total.get('CPU', 0):g} CPUs free.")
