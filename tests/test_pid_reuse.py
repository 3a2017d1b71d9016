"""A running run's owner is its pid and that pid's start time: a reused pid does not keep it running."""

from __future__ import annotations

import os
import sqlite3

import pytest

from alexnet_core.spec import presets
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.records import pid_start
from alexnet_core.training.store import Store

SPEC = presets.get("torchvision").spec
QUICK = TrainConfig(epochs=3, width=0.125, input_size=64, batch_size=64, train_limit=64, test_limit=32)

needs_proc = pytest.mark.skipif(pid_start(os.getpid()) is None, reason="no /proc start times here")


def running_run(s: Store, epochs_done: int) -> int:
    rid = s.create("owned", SPEC.to_dict(), QUICK.to_dict(), "cpu", status="running", pid=os.getpid())
    for e in range(1, epochs_done + 1):
        s.commit_epoch(rid, e, [("epoch/test_acc", e, 0.1 * e)])
    return rid


@needs_proc
def test_a_live_pid_with_another_start_time_is_interrupted_and_keeps_its_epochs(tmp_path):
    s = Store(tmp_path)
    reused = running_run(s, 2)
    mine = running_run(s, 1)
    assert s.get(mine).pid_start == pid_start(os.getpid())
    s.update(reused, pid_start=s.get(reused).pid_start - 1)  # the pid now names another process
    assert s.recover() == [reused]
    run = s.get(reused)
    assert run.status == "interrupted" and "2 finished epoch(s) kept" in run.reason
    assert [e for e, _, _ in s.metrics(reused, "epoch/")["epoch/test_acc"]] == [1, 2]
    assert s.get(mine).status == "running"  # the right start time: still its owner's
    s.requeue(reused, resume=True)
    assert s.get(reused).pid is None and s.get(reused).pid_start is None
    claimed = s.claim_next("cpu", os.getpid())
    assert claimed is None  # one running per device: `mine` still runs
    s.finish(mine, "done")
    claimed = s.claim_next("cpu", os.getpid())
    assert claimed.id == reused and claimed.pid_start == pid_start(os.getpid())


def test_a_file_from_before_pid_start_opens_and_works(tmp_path):
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL, status TEXT NOT NULL,"
               " device TEXT NOT NULL, config TEXT NOT NULL, spec TEXT NOT NULL, created REAL NOT NULL,"
               " started REAL, finished REAL, heartbeat REAL, pid INTEGER, reason TEXT,"
               " progress REAL NOT NULL DEFAULT 0, eta_s REAL, epochs_done INTEGER NOT NULL DEFAULT 0, info TEXT,"
               " cancel INTEGER NOT NULL DEFAULT 0, resume INTEGER NOT NULL DEFAULT 0,"
               " backend TEXT NOT NULL DEFAULT 'local')")
    db.execute("INSERT INTO runs(label, status, device, config, spec, created, pid) VALUES"
               " ('old', 'running', 'cpu', '{}', '{}', 0, ?)", (os.getpid(),))
    db.commit()
    db.close()
    s = Store(tmp_path)
    old = s.list()[0]
    assert old.label == "old" and old.pid_start is None
    assert s.recover() == []  # pid only, as before: this process lives
    rid = running_run(s, 1)
    assert s.get(rid).pid_start == pid_start(os.getpid())
