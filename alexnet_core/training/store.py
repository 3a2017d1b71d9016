"""Runs, configs, metrics and status in one SQLite file under runs_dir(), shared by every process.

Each call opens its own short connection (WAL, busy timeout), so the app, the worker process and
the CLI can all read and write at once. A run's folder holds its checkpoint and resume state.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alexnet_core.paths import runs_dir
from alexnet_core.training.records import Run, pid_alive, pid_start, row_to_run
from alexnet_core.training.schema import migrate
from alexnet_core.weights.checkpoint import MODEL_FILE, RESUME_FILE

STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
ACTIVE = ("queued", "running")
STALE_HEARTBEAT_S = 1800.0  # alive pid but silent this long (a hung worker): presumed dead. Long
# evaluations or downloads write nothing for minutes, so the pid check does the everyday work.

def kept(epochs_done: int) -> str:
    return f"{epochs_done} finished epoch(s) kept: resume or rerun"


class Store:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else runs_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "runs.sqlite"
        with self._db() as db:
            migrate(db)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    # ---------------------------------------------------------------- runs

    def create(self, label: str, spec: dict[str, Any], config: dict[str, Any], device: str,
               status: str = "queued", pid: int | None = None, backend: str = "local") -> int:
        now = time.time()
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO runs(label, status, device, config, spec, created, started, heartbeat, pid, pid_start,"
                " backend) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (label, status, device, json.dumps(config), json.dumps(spec), now,
                 now if status == "running" else None, now if status == "running" else None, pid, pid_start(pid), backend))
            return int(cur.lastrowid)

    def get(self, run_id: int) -> Run:
        with self._db() as db:
            row = db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run #{run_id}")
        return row_to_run(row)

    def list(self, statuses: Iterable[str] | None = None) -> list[Run]:
        with self._db() as db:
            if statuses is None:
                rows = db.execute("SELECT * FROM runs ORDER BY id DESC").fetchall()
            else:
                s = list(statuses)
                rows = db.execute(f"SELECT * FROM runs WHERE status IN ({','.join('?' * len(s))}) ORDER BY id DESC",
                                  s).fetchall()
        return [row_to_run(r) for r in rows]

    def claim_next(self, device: str, pid: int, backend: str = "local", slots: int = 1,
                   only: int | None = None) -> Run | None:
        """Atomically take the oldest queued run (or run ``only``) of this backend and device and mark
        it running, while fewer than ``slots`` of them run: one for a local worker, one per GPU (or
        per CPU share) that a Ray cluster can place."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            busy = db.execute("SELECT COUNT(*) FROM runs WHERE status='running' AND device=? AND backend=?",
                              (device, backend)).fetchone()[0]
            row = None if busy >= slots else db.execute(
                "SELECT id FROM runs WHERE status='queued' AND device=? AND backend=? AND (? IS NULL OR id=?)"
                " ORDER BY id LIMIT 1", (device, backend, only, only)).fetchone()
            if row is not None:
                now = time.time()
                db.execute("UPDATE runs SET status='running', pid=?, pid_start=?, started=COALESCE(started, ?),"
                           " heartbeat=?, reason=NULL, finished=NULL WHERE id=?",
                           (pid, pid_start(pid), now, now, row["id"]))
            db.execute("COMMIT")
        return self.get(row["id"]) if row is not None else None

    def update(self, run_id: int, **fields: Any) -> None:
        for k in ("info",):
            if k in fields:
                fields[k] = json.dumps(fields[k])
        cols = ", ".join(f"{k}=?" for k in fields)
        with self._db() as db:
            db.execute(f"UPDATE runs SET {cols} WHERE id=?", (*fields.values(), run_id))

    def finish(self, run_id: int, status: str, reason: str | None = None) -> None:
        """Ends a run; a finished one also shows a full progress bar."""
        assert status in STATUSES
        done = {"progress": 1.0} if status == "done" else {}
        self.update(run_id, status=status, reason=reason, finished=time.time(), eta_s=None, **done)

    def beat(self, run_id: int, progress: float, eta_s: float | None) -> None:
        self.update(run_id, progress=progress, eta_s=eta_s, heartbeat=time.time())

    def request_cancel(self, run_id: int) -> str:
        """Queued runs are cancelled at once; a running one stops at its next step."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                raise KeyError(f"no run #{run_id}")
            if row["status"] == "queued":
                db.execute("UPDATE runs SET status='cancelled', reason='cancelled before it started', finished=?"
                           " WHERE id=?", (time.time(), run_id))
            elif row["status"] == "running":
                db.execute("UPDATE runs SET cancel=1 WHERE id=?", (run_id,))
            db.execute("COMMIT")
            return row["status"]

    def cancel_requested(self, run_id: int) -> bool:
        with self._db() as db:
            row = db.execute("SELECT cancel FROM runs WHERE id=?", (run_id,)).fetchone()
        return bool(row and row["cancel"])

    def requeue(self, run_id: int, resume: bool) -> None:
        """Resume (continue after the kept epochs) or rerun (start over, old metrics dropped)."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            if not resume:
                db.execute("DELETE FROM metrics WHERE run=?", (run_id,))
                db.execute("DELETE FROM snapshots WHERE run=?", (run_id,))
            db.execute("UPDATE runs SET status='queued', cancel=0, reason=NULL, finished=NULL, pid=NULL,"
                       " pid_start=NULL, resume=?,"
                       " progress=CASE WHEN ? THEN progress ELSE 0 END,"
                       " epochs_done=CASE WHEN ? THEN epochs_done ELSE 0 END WHERE id=?",
                       (int(resume), int(resume), int(resume), run_id))
            db.execute("COMMIT")

    def recover(self, stale_after: float = STALE_HEARTBEAT_S) -> list[int]:
        """Running jobs whose writer is gone (or silent too long) become 'interrupted'. The writer is the
        worker process for a local run, and for a Ray run the app (or CLI) process following its stream:
        a remote pid means nothing here, and when the follower dies Ray ends the job it owned."""
        now = time.time()
        lost = [r for r in self.list(["running"])
                if not pid_alive(r.pid, r.pid_start) or (r.heartbeat is not None and now - r.heartbeat > stale_after)]
        marked = []
        with self._db() as db:
            for r in lost:  # only if nobody claimed or beat since it was read: another app may have resumed it
                who = ("the app process following it on Ray stopped (restarted?)" if r.backend == "ray"
                       else "the worker stopped")
                cur = db.execute("UPDATE runs SET status='interrupted', reason=?, finished=?, eta_s=NULL"
                                 " WHERE id=? AND status='running' AND pid IS ? AND pid_start IS ?"
                                 " AND heartbeat IS ?",
                                 (f"{who} during epoch {r.epochs_done + 1}; {kept(r.epochs_done)}", time.time(),
                                  r.id, r.pid, r.pid_start, r.heartbeat))
                marked += [r.id] * cur.rowcount
        return marked

    def delete(self, run_id: int) -> None:
        with self._db() as db:
            db.execute("DELETE FROM metrics WHERE run=?", (run_id,))
            db.execute("DELETE FROM snapshots WHERE run=?", (run_id,))
            db.execute("DELETE FROM runs WHERE id=?", (run_id,))

    # ---------------------------------------------------------------- metrics

    def log(self, run_id: int, rows: Iterable[tuple[str, int, float]]) -> None:
        now = time.time()
        with self._db() as db:
            db.executemany("INSERT INTO metrics(run, key, step, value, wall_time) VALUES (?,?,?,?,?)",
                           [(run_id, k, int(s), float(v), now) for k, s, v in rows])

    def commit_epoch(self, run_id: int, epoch: int, rows: Iterable[tuple[str, int, float]],
                     snapshot: bytes | None = None) -> None:
        """An epoch's metrics, its snapshot and the epochs_done counter in one transaction: a kill keeps
        all or none."""
        now = time.time()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO metrics(run, key, step, value, wall_time) VALUES (?,?,?,?,?)",
                           [(run_id, k, int(s), float(v), now) for k, s, v in rows])
            if snapshot is not None:
                db.execute("INSERT OR REPLACE INTO snapshots(run, epoch, data) VALUES (?,?,?)", (run_id, epoch, snapshot))
            db.execute("UPDATE runs SET epochs_done=? WHERE id=?", (epoch, run_id))
            db.execute("COMMIT")

    def keep_start_snapshot(self, run_id: int, epoch: int, snapshot: bytes) -> None:
        """The snapshot of a run's starting state (epoch 0, or the epoch a resume starts after), unless
        one is kept already: a resumed model is the one that epoch's commit kept."""
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO snapshots(run, epoch, data) VALUES (?,?,?)", (run_id, epoch, snapshot))

    def snapshot_epochs(self, run_id: int) -> list[int]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT epoch FROM snapshots WHERE run=? ORDER BY epoch", (run_id,))]

    def snapshot(self, run_id: int, epoch: int) -> bytes:
        """The stored bytes of one epoch's snapshot; KeyError naming it if there is none."""
        with self._db() as db:
            row = db.execute("SELECT data FROM snapshots WHERE run=? AND epoch=?", (run_id, epoch)).fetchone()
        if row is None:
            raise KeyError(f"run #{run_id} has no snapshot at epoch {epoch}")
        return bytes(row[0])

    def truncate(self, run_id: int, epoch: int, step: int) -> None:
        """Drop rows after a resume point: epoch metrics and snapshots past ``epoch``, step metrics past ``step``."""
        with self._db() as db:
            db.execute("DELETE FROM metrics WHERE run=? AND ((key LIKE 'epoch/%' AND step>?) OR "
                       "(key LIKE 'step/%' AND step>?))", (run_id, epoch, step))
            db.execute("DELETE FROM snapshots WHERE run=? AND epoch>?", (run_id, epoch))

    def metrics(self, run_id: int, prefix: str = "") -> dict[str, list[tuple[int, float, float]]]:
        """key -> [(step, value, wall_time)] in step order."""
        with self._db() as db:
            rows = db.execute("SELECT key, step, value, wall_time FROM metrics WHERE run=? AND key LIKE ?"
                              " ORDER BY key, step, rowid", (run_id, prefix + "%")).fetchall()
        out: dict[str, list[tuple[int, float, float]]] = {}
        for r in rows:
            out.setdefault(r["key"], []).append((r["step"], r["value"], r["wall_time"]))
        return out

    def export_csv(self, run_ids: Iterable[int]) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["run", "label", "key", "step", "value", "wall_time"])
        for rid in run_ids:
            label = self.get(rid).label
            for key, points in self.metrics(rid).items():
                for step, value, wall in points:
                    w.writerow([rid, label, key, step, repr(value), f"{wall:.3f}"])
        return buf.getvalue()

    # ---------------------------------------------------------------- files

    def run_dir(self, run_id: int) -> Path:
        path = self.folder / f"run_{run_id:05d}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def checkpoint_path(self, run_id: int) -> Path:
        return self.run_dir(run_id) / MODEL_FILE

    def resume_path(self, run_id: int) -> Path:
        return self.run_dir(run_id) / RESUME_FILE
