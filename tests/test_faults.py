"""Faults that must lose nothing: a full disk while an epoch's checkpoint is written, a killed app process,
two app processes sharing one runs folder."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from alexnet_core.spec import presets
from alexnet_core.training import jobs
from alexnet_core.training import store as store_mod
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.records import pid_alive
from alexnet_core.training.store import Store
from alexnet_core.weights import checkpoint
from alexnet_core.weights.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
SPEC = presets.get("torchvision").spec
TWO = TrainConfig(epochs=2, width=0.125, input_size=64, batch_size=64, train_limit=256, test_limit=64)


def test_a_full_disk_during_an_epochs_checkpoint_keeps_the_last_one_and_marks_the_run(monkeypatch):
    s = Store()
    rid = jobs.submit(s, SPEC, TWO, "enospc")
    run = s.claim_next("cpu", os.getpid())
    real_save, saves = torch.save, []

    def save(obj, f, *a, **k):  # the first epoch's two files go through; the second epoch's model.pt fills the disk
        saves.append(str(f))
        if len(saves) == 3:
            with open(f, "wb") as half:
                half.write(b"x" * 1000)  # part of the file made it to disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(checkpoint.torch, "save", save)
    assert jobs.run_job(s, run) == "failed"
    done = s.get(rid)
    assert done.status == "failed" and os.strerror(errno.ENOSPC) in done.reason and "kept" in done.reason
    assert done.epochs_done == 1  # the finished epoch is kept, the unwritten one is not counted
    assert [e for e, _, _ in s.metrics(rid, "epoch/test_acc")["epoch/test_acc"]] == [1]
    folder = s.checkpoint_path(rid).parent
    assert not list(folder.glob("*.tmp"))  # no half file left behind
    ckpt = load_checkpoint(s.checkpoint_path(rid))  # the previous checkpoint is intact
    assert ckpt.spec is not None



def test_a_recovery_never_interrupts_a_run_that_another_app_resumed_after_it_was_read(monkeypatch):
    s = Store()
    rid = jobs.submit(s, SPEC, TWO, "raced")
    dead = s.claim_next("cpu", 2**22 + 1).pid  # its worker died
    s.commit_epoch(rid, 1, [("epoch/test_acc", 1, 0.5)])

    def alive(pid, start=None):  # app a's recovery has read the run; before it writes, app b resumes it on a live worker
        if pid == dead and s.get(rid).pid == dead:
            s.finish(rid, "interrupted", "b's own recovery")
            s.requeue(rid, resume=True)
            s.claim_next("cpu", os.getpid())
        return pid != dead

    monkeypatch.setattr(store_mod, "pid_alive", alive)
    assert s.recover() == []
    run = s.get(rid)
    assert run.status == "running" and run.pid == os.getpid() and run.epochs_done == 1
    monkeypatch.setattr(store_mod, "pid_alive", lambda pid, start=None: False)  # now its worker dies too
    assert s.recover() == [rid] and s.get(rid).status == "interrupted"

# ---------------------------------------------------------------- app processes (issue 14)
# tests/fault_app.py is an app-like process: it queues and kicks runs through the Training page's own calls.

def wait_for(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def start_app(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    """An app process in its own session (so its worker can be found and ended with it); output to files."""
    out, err = (open(tmp_path / f"{name}.{k}", "w") for k in ("out", "err"))
    return subprocess.Popen([sys.executable, "-m", "tests.fault_app", str(tmp_path / "runs"), *args], cwd=ROOT,
                            stdout=out, stderr=err, text=True, start_new_session=True)


def lines(tmp_path: Path, name: str, at_least: int = 1) -> list[dict]:
    """The JSON lines app ``name`` printed, once there are at least ``at_least``; an ERROR line fails the test."""
    def read():
        err = (tmp_path / f"{name}.err").read_text()
        assert "ERROR" not in err and "Traceback" not in err, err
        got = [json.loads(x) for x in (tmp_path / f"{name}.out").read_text().splitlines() if x.strip()]
        return got if len(got) >= at_least else None
    return wait_for(read, what=f"{at_least} line(s) from app {name}")


def end_session(proc: subprocess.Popen) -> None:
    """SIGKILL the app's whole session: the app and any worker it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def epochs_are_whole(s: Store, rid: int) -> int:
    """The store holds epochs 1..n once each, n is epochs_done, and the files hold epoch n (or the one after)."""
    run = s.get(rid)
    epochs = [e for e, _, _ in s.metrics(rid, "epoch/test_acc").get("epoch/test_acc", [])]
    assert epochs == list(range(1, run.epochs_done + 1)) and run.epochs_done >= 1
    steps = [st for st, _, _ in s.metrics(rid, "step/train_loss")["step/train_loss"]]
    assert steps == sorted(set(steps))  # no step logged twice
    assert load_checkpoint(s.checkpoint_path(rid)).meta["epoch"] in (run.epochs_done, run.epochs_done + 1)
    return run.epochs_done


def test_kill_9_of_the_app_mid_run_leaves_its_worker_training_and_a_restart_sees_the_run_live(tmp_path):
    s = Store(tmp_path / "runs")
    app = start_app(tmp_path, "app", "submit", "500", "1")
    try:
        (rid,) = lines(tmp_path, "app")[0]["runs"]
        wait_for(lambda: s.get(rid).epochs_done >= 1, what="a finished epoch")
        worker = s.get(rid).pid
        os.kill(app.pid, signal.SIGKILL)
        app.wait(30)
        before = s.get(rid).epochs_done
        assert pid_alive(worker)  # a spawned worker is not tied to its app: the orphan keeps training ...
        wait_for(lambda: s.get(rid).epochs_done > before, what="an epoch after the app died")
        restart = start_app(tmp_path, "restart", "kick")  # ... and a restarted app's first page view
        assert restart.wait(120) == 0 and lines(tmp_path, "restart")[0]["runs"][str(rid)] == "running"
        s.request_cancel(rid)  # its Cancel reaches the orphan through the store
        wait_for(lambda: s.get(rid).status == "cancelled", what="the cancel")
        assert epochs_are_whole(s, rid) > before
    finally:
        end_session(app)


def test_kill_9_of_the_app_and_its_worker_mid_run_is_interrupted_on_restart_and_resumes(tmp_path):
    s = Store(tmp_path / "runs")
    app = start_app(tmp_path, "app", "submit", "500", "1")
    try:
        (rid,) = lines(tmp_path, "app")[0]["runs"]
        wait_for(lambda: s.get(rid).epochs_done >= 1, what="a finished epoch")
        worker = s.get(rid).pid
    finally:
        end_session(app)  # the app and its worker at once: a container stopped, the OOM killer, a power cut
    wait_for(lambda: not pid_alive(worker), 30, "the worker to be gone")
    restart = start_app(tmp_path, "restart", "kick")
    assert restart.wait(120) == 0 and lines(tmp_path, "restart")[0]["runs"][str(rid)] == "interrupted"
    kept = epochs_are_whole(s, rid)
    assert f"{kept} finished epoch(s) kept" in s.get(rid).reason

    resumed = start_app(tmp_path, "resumed", "resume", str(rid))  # Resume, pressed in the restarted app
    try:
        lines(tmp_path, "resumed")
        wait_for(lambda: s.get(rid).epochs_done > kept, what="a resumed epoch")
        s.request_cancel(rid)
        assert lines(tmp_path, "resumed", 2)[1]["ended"] == {str(rid): "cancelled"}
        assert epochs_are_whole(s, rid) > kept  # it continued after the kept epochs, none twice
    finally:
        end_session(resumed)


def test_an_app_that_exits_leaves_the_worker_it_started_training_another_apps_run(tmp_path):
    s, stop = Store(tmp_path / "runs"), tmp_path / "stop"
    a = start_app(tmp_path, "a", "submit", "1", "1", "-", str(stop))  # its worker serves the folder
    b = None
    try:
        (first,) = lines(tmp_path, "a")[0]["runs"]
        wait_for(lambda: s.get(first).status == "done", what="app a's run")
        b = start_app(tmp_path, "b", "submit", "500", "1")
        (rid,) = lines(tmp_path, "b")[0]["runs"]
        wait_for(lambda: s.get(rid).epochs_done >= 1, what="app b's run on app a's worker")
        assert s.get(rid).pid == s.get(first).pid  # one worker per device, whoever started it
        stop.touch()
        assert a.wait(60) == 0  # app a exits normally (its atexit hooks run) ...
        before = s.get(rid).epochs_done
        wait_for(lambda: s.get(rid).epochs_done > before or s.get(rid).status != "running", what="b's next epoch")
        assert s.get(rid).status == "running"  # ... and b's run trains on, not interrupted
        s.request_cancel(rid)
        assert lines(tmp_path, "b", 2)[1]["ended"] == {str(rid): "cancelled"}
        assert epochs_are_whole(s, rid) > before
    finally:
        for p in (a, b):
            if p is not None:
                end_session(p)


def test_two_app_processes_sharing_one_runs_folder_run_every_run_once_and_see_them_all(tmp_path):
    go = tmp_path / "go"
    apps = {name: start_app(tmp_path, name, "submit", "2", "3", str(go)) for name in ("a", "b")}
    try:
        time.sleep(0.5)  # both wait at the start line; from here they open a fresh store at once
        go.touch()
        done = {name: lines(tmp_path, name, 2) for name in apps}  # no ERROR line: no "database is locked"
        assert all(p.wait(60) == 0 for p in apps.values())
    finally:
        for p in apps.values():
            end_session(p)
    s = Store(tmp_path / "runs")
    mine = {name: got[0]["runs"] for name, got in done.items()}
    every = sorted(mine["a"] + mine["b"])
    assert len(set(every)) == 6 and every == [r.id for r in reversed(s.list())]  # unique ids, nothing lost
    assert all(got[1]["seen"] == every for got in done.values())  # each app sees the other's runs too
    runs = sorted(s.list(), key=lambda r: r.started)
    assert all(r.status == "done" and r.epochs_done == 2 for r in runs)  # nobody's recovery interrupted another's
    assert all(a.finished <= b.started for a, b in zip(runs, runs[1:], strict=False))  # one at a time, each once
    for r in runs:
        assert epochs_are_whole(s, r.id) == 2
    rows = list(csv.reader(io.StringIO(s.export_csv(every))))
    assert rows[0] == ["run", "label", "key", "step", "value", "wall_time"] and all(len(x) == 6 for x in rows)
    for r in runs:  # each run's rows are its own, whole, and together
        own = [i for i, x in enumerate(rows) if x[0] == str(r.id)]
        assert own == list(range(own[0], own[0] + len(own))) and {x[1] for x in rows if x[0] == str(r.id)} == {r.label}
        assert sum(x[2] == "epoch/test_acc" for x in rows if x[0] == str(r.id)) == 2
