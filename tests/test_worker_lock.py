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
        deadline = time.monotonic() + 180
        while s.get(rid).status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert s.get(rid).status == "done"
    finally:
        launcher.stop()
