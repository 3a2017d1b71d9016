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
    pid_start: int | None = None  # the pid's start time (/proc starttime), so a reused pid is not taken for it

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


def pid_start(pid: int | None) -> int | None:
    """When the process started (clock ticks since boot, field 22 of /proc/<pid>/stat); None without /proc."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().split(")")[-1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def pid_alive(pid: int | None, start: int | None = None) -> bool:
    """The process lives (not a zombie) and, when ``start`` is known, is the one that started then:
    after a reboot or a long time a pid can name an unrelated process."""
    if start is not None:
        now = pid_start(pid)
        if now is not None and now != start:
            return False
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
