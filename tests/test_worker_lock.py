"""A device lock held by another live worker: ensure() spawns nothing until it is free."""

from __future__ import annotations

import time

from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets
from alexnet_core.training import jobs
from alexnet_core.training.jobs import Launcher, lock_held, submit
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.store import Store

SPEC = presets.get("torchvision").spec
QUICK = TrainConfig(epochs=1, width=0.125, input_size=64, batch_size=64, train_limit=64, test_limit=32)


def test_ensure_spawns_no_worker_while_another_holds_the_device_lock():
    s = Store()
    rid = submit(s, SPEC, QUICK, "queued behind another app's worker")
    launcher = Launcher(runs_dir(), "cpu", idle_exit_s=5)
    held = jobs._lock(s.folder, "cpu")  # another live worker (here: this process) serves the device
    assert held is not None and lock_held(s.folder, "cpu")
    try:
        for _ in range(5):
            launcher.ensure()
            assert launcher.process is None  # no process started only to find the lock held
        assert s.get(rid).status == "queued"
    finally:
        held.close()
    assert not lock_held(s.folder, "cpu")
    launcher.ensure()
    try:
        assert launcher.process is not None
        wait_done(s, rid)
    finally:
        launcher.stop()


def wait_done(s: Store, rid: int) -> None:
    """Until the run has ended (at most 3 minutes, however slow the machine), then: it finished."""
    deadline = time.monotonic() + 180
    while s.get(rid).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert s.get(rid).status == "done"


def test_a_worker_whose_idle_time_runs_out_as_a_run_comes_still_serves_it(monkeypatch):
    """A run queued just after the worker last found the queue empty, its idle time then up: the app saw the
    worker alive (its lock held) and started none, so the worker must not leave that run queued."""
    s = Store()
    queued: list[int] = []
    real_claim = Store.claim_next

    def claim_then_a_run_comes(self, *args, **kwargs):
        run = real_claim(self, *args, **kwargs)
        if run is None and not queued:
            queued.append(submit(s, SPEC, QUICK, "queued as the worker was leaving"))
            time.sleep(0.3)  # at least the worker's idle time: leaving is its next decision
        return run

    monkeypatch.setattr(Store, "claim_next", claim_then_a_run_comes)
    monkeypatch.setattr(jobs, "run_job", lambda store, run, echo=None: store.finish(run.id, "done"))
    jobs.worker_main(str(s.folder), "cpu", idle_exit_s=0.2)  # in this process; returns once it leaves
    assert queued and s.get(queued[0]).status == "done"
    assert not lock_held(s.folder, "cpu")  # and it let go of the device


def test_ensure_replaces_its_worker_when_that_one_is_alive_but_has_let_go_of_the_device():
    """Between letting go of the lock and exiting, a worker is alive but serves nothing: a run queued then
    must get a new worker, not wait for the next page view."""
    s = Store()
    launcher = Launcher(runs_dir(), "cpu", idle_exit_s=5)
    leaving = launcher.ctx.Process(target=time.sleep, args=(600,), daemon=True)  # a worker on its way out
    leaving.start()
    launcher.process = leaving
    launcher.ready.set()  # it took the lock once, and holds it no longer
    rid = submit(s, SPEC, QUICK, "queued as the worker left")
    try:
        launcher.ensure()
        assert launcher.process is not leaving and launcher.process.is_alive()
        wait_done(s, rid)
    finally:
        launcher.stop()
        leaving.terminate()
        leaving.join(10)
