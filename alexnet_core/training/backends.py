"""Who runs the store's queue: ``local`` (a spawned worker per device, the default) or ``ray``.

Both read queued runs from the store and write everything back into it, so the pages only ever read
the store. ALEXNET_TRAIN_BACKEND picks one; ``ray`` is imported only when it is picked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from alexnet_core.training.jobs import Launcher
from alexnet_core.training.loop import TrainConfig, resolve_device
from alexnet_core.training.records import BackendUnavailable
from alexnet_core.training.store import Store

BACKENDS = ("local", "ray")
RAY_MISSING = "The ray backend needs Ray: pip install ray==2.58.0 (the version pinned in requirements-test.txt)."


class Backend(Protocol):
    name: str

    def device_for(self, cfg: TrainConfig) -> str:
        """The device a run with this config is queued for; ValueError if the backend cannot place it."""

    def ensure(self) -> None:
        """Recover lost runs and start whatever the queue needs; raises BackendUnavailable."""

    def describe(self) -> str:
        """One line for the Training page: the backend and what it can run on."""


def backend_name(name: str | None = None) -> str:
    chosen = (name or os.environ.get("ALEXNET_TRAIN_BACKEND") or "local").strip().lower()
    if chosen not in BACKENDS:
        raise ValueError(f"training backend must be one of {', '.join(BACKENDS)}, got {chosen!r}")
    return chosen


class LocalBackend:
    """Today's worker: one spawned process per device, started when the queue has work for it."""

    name = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.launchers: dict[str, Launcher] = {}

    def device_for(self, cfg: TrainConfig) -> str:
        return resolve_device(cfg.device)

    def ensure(self) -> None:
        queued = Store(self.folder).list(["queued"])
        devices = {r.device for r in queued if r.backend == "local"} or {"auto"}
        for device in sorted(devices):  # a job asked for cpu on a CUDA box still gets its own worker
            if device not in self.launchers:
                self.launchers[device] = Launcher(self.folder, device)
            self.launchers[device].ensure()

    def describe(self) -> str:
        return f"Backend: local worker process on this machine ({resolve_device('auto')}), one job per device."


def make_backend(folder: Path, name: str | None = None) -> Backend:
    """The backend named (or ALEXNET_TRAIN_BACKEND's); BackendUnavailable if ray is picked but absent."""
    if backend_name(name) == "local":
        return LocalBackend(folder)
    try:
        from alexnet_core.training.ray_backend import RayBackend
    except ImportError:
        raise BackendUnavailable(RAY_MISSING) from None
    return RayBackend(folder)
