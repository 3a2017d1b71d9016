"""One row of the runs table as a value, the liveness test for the process that writes it, and the backend error."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Any


class BackendUnavailable(RuntimeError):
    """The backend cannot take work now (Ray missing, a cluster not reachable); str() is one sentence."""


@dataclass(frozen=True)
class Run:
    id: int
    label: str
    status: str
    device: str
    config: dict[str, Any]
    spec: dict[str, Any]
    created: float
    started: float | None
    finished: float | None
    heartbeat: float | None
    pid: int | None
    reason: str | None
    progress: float
    eta_s: float | None
    epochs_done: int
    info: dict[str, Any]
    cancel: bool
    resume: bool
    backend: str = "local"  # who runs it: the local worker or Ray (pid is then the app process following it)

    @property
    def title(self) -> str:
        return f"#{self.id} {self.label}"


def row_to_run(r: sqlite3.Row) -> Run:
    d = dict(r)
    d["config"] = json.loads(d["config"])
    d["spec"] = json.loads(d["spec"])
    d["info"] = json.loads(d["info"] or "{}")
    d["cancel"] = bool(d["cancel"])
    d["resume"] = bool(d["resume"])
    return Run(**d)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is dead for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
