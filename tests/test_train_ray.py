"""The ray backend against a real local Ray (one per module): same numbers as the local worker,
cancel, a killed Ray worker, an unreachable RAY_ADDRESS. Tiny digits jobs keep it to ~a minute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import torch

from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets
from alexnet_core.training.jobs import run_job, submit
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.store import Store
from alexnet_core.weights.checkpoint import load_checkpoint
from tests.e2e.harness import free_port
from tests.test_train_jobs import wait_for

ray = pytest.importorskip("ray")
from alexnet_core.training.ray_backend import RayBackend  # noqa: E402

SPEC = presets.get("torchvision").spec
TINY = TrainConfig(epochs=2, width=0.125, input_size=64, batch_size=64, train_limit=256, test_limit=64,
                   device="cpu")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def epochs_of(store: Store, rid: int, key: str = "epoch/test_acc") -> list[tuple[int, float]]:
    return [(e, v) for e, v, _ in store.metrics(rid, key).get(key, [])]


def test_ray_run_matches_the_local_worker_then_cancel_keeps_finished_epochs(local_ray):
    s, backend = Store(), RayBackend(runs_dir())
    rid = submit(s, SPEC, TINY, "ray", backend)
    backend.ensure()
    wait_for(lambda: s.get(rid).status not in ("queued", "running"), 300, "the Ray run to end")
    run = s.get(rid)
    assert (run.status, run.backend, run.device, run.epochs_done) == ("done", "ray", "cpu", 2), run.reason
    assert run.info["ray_worker_pid"] != os.getpid()  # trained in a Ray worker process, not here
    assert load_checkpoint(s.checkpoint_path(rid)).meta["epoch"] == 2  # the file came back through the stream

    lid = submit(s, SPEC, TINY, "local")  # the local worker's code, in this process, one thread as on Ray
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert run_job(s, s.claim_next("cpu", os.getpid())) == "done"
    finally:
        torch.set_num_threads(threads)
    for key in ("epoch/test_acc", "epoch/test_loss", "epoch/train_loss"):
        assert epochs_of(s, rid, key) == epochs_of(s, lid, key)  # same seed, config, threads: equal

    long = submit(s, SPEC, TrainConfig(**{**TINY.to_dict(), "epochs": 200, "train_limit": 128}), "long", backend)
    backend.ensure()
    wait_for(lambda: s.get(long).epochs_done >= 1, 300, "a finished epoch")
    s.request_cancel(long)
    wait_for(lambda: s.get(long).status == "cancelled", 120, "the cancel to reach the Ray task")
    done = s.get(long).epochs_done
    assert [e for e, _ in epochs_of(s, long)] == list(range(1, done + 1)) and done >= 1
    assert load_checkpoint(s.checkpoint_path(long)).meta["epoch"] == done


def test_killed_ray_worker_is_interrupted_and_resume_finishes_without_duplicates(local_ray):
    s, backend = Store(), RayBackend(runs_dir())
    cfg = TrainConfig(**{**TINY.to_dict(), "epochs": 60, "train_limit": 128, "test_limit": 32})
    rid = submit(s, SPEC, cfg, "victim", backend)
    backend.ensure()
    wait_for(lambda: s.get(rid).epochs_done >= 2, 300, "two finished epochs")
    os.kill(s.get(rid).info["ray_worker_pid"], signal.SIGKILL)  # the pid the task reported through Ray
    wait_for(lambda: s.get(rid).status == "interrupted", 120, "the stream to report the dead worker")
    run = s.get(rid)
    kept = run.epochs_done
    assert "Ray worker process" in run.reason and f"{kept} finished epoch(s) kept" in run.reason
    assert [e for e, _ in epochs_of(s, rid)] == list(range(1, kept + 1))

    s.requeue(rid, resume=True)
    backend.ensure()
    wait_for(lambda: s.get(rid).epochs_done >= kept + 1, 300, "a resumed epoch")
    s.request_cancel(rid)
    wait_for(lambda: s.get(rid).status == "cancelled", 120, "the cancel")
    epochs = [e for e, _ in epochs_of(s, rid)]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) > kept  # continued, no epoch twice
    steps = [st for st, _ in epochs_of(s, rid, "step/train_loss")]
    assert steps == sorted(set(steps))


def test_unreachable_ray_address_is_one_sentence_and_the_run_stays_queued(tmp_path):
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    env = {**os.environ, "RAY_ADDRESS": address, "ALEXNET_RUNS_DIR": str(tmp_path / "runs")}
    out = subprocess.run([sys.executable, "-m", "alexnet_core", "train", "--backend", "ray", "--dataset",
                          "digits", "--epochs", "1"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    (line,) = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert line.startswith("error: run 1: No Ray cluster answers at RAY_ADDRESS=" + address)
    assert line.count(". ") == 0 and line.endswith(".")  # one sentence
    (run,) = Store(tmp_path / "runs").list()
    assert (run.status, run.backend) == ("queued", "ray")
    assert RayBackend(tmp_path, address).describe().startswith(f"No Ray cluster answers at RAY_ADDRESS={address}")
