"""The store and the worker process: queueing, cancel, a crashing job, recovery after a kill, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from alexnet_core.arch.build import build_model
from alexnet_core.cli import main
from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets
from alexnet_core.training.jobs import Launcher, submit
from alexnet_core.training.loop import TrainConfig, evaluate, prepare_run
from alexnet_core.training.store import Store
from alexnet_core.weights.checkpoint import load_checkpoint

SPEC = presets.get("torchvision").spec
QUICK = TrainConfig(epochs=1, width=0.125, input_size=64, batch_size=64, train_limit=256, test_limit=64)


def wait_for(predicate, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_store_handles_see_the_same_runs_and_csv():
    a, b = Store(), Store(runs_dir())
    rid = a.create("x", SPEC.to_dict(), QUICK.to_dict(), "cpu")
    a.log(rid, [("epoch/test_acc", 1, 0.5), ("epoch/test_acc", 2, 0.75)])
    assert [r.id for r in b.list()] == [rid]
    assert [v for _, v, _ in b.metrics(rid)["epoch/test_acc"]] == [0.5, 0.75]
    lines = b.export_csv([rid]).splitlines()
    assert lines[0] == "run,label,key,step,value,wall_time" and lines[2].startswith(f"{rid},x,epoch/test_acc,2,0.75")


def test_queue_runs_one_job_per_device_in_order():
    s = Store()
    first = s.create("1", SPEC.to_dict(), QUICK.to_dict(), "cpu")
    second = s.create("2", SPEC.to_dict(), QUICK.to_dict(), "cpu")
    other = s.create("3", SPEC.to_dict(), QUICK.to_dict(), "cuda")
    assert s.claim_next("cpu", os.getpid()).id == first
    assert s.claim_next("cpu", os.getpid()) is None  # one running job per device
    assert s.claim_next("cuda", os.getpid()).id == other  # other devices are independent
    assert s.request_cancel(second) == "queued" and s.get(second).status == "cancelled"


def test_worker_process_runs_queue_survives_a_crashing_job_and_cancels():
    s = Store()
    good = submit(s, SPEC, QUICK, "good")
    bad = submit(s, SPEC, TrainConfig(**{**QUICK.to_dict(), "dataset": "folder:nowhere"}), "bad")
    long = submit(s, SPEC, TrainConfig(**{**QUICK.to_dict(), "epochs": 200}), "long")
    launcher = Launcher(runs_dir(), "cpu", idle_exit_s=20)
    launcher.ensure()
    try:
        assert launcher.process.pid != os.getpid()  # a separate OS process, not a thread
        wait_for(lambda: s.get(long).status == "running", what="the third job to start")
        assert s.get(good).status == "done" and s.get(good).epochs_done == 1
        assert s.get(bad).status == "failed" and "no folder" in s.get(bad).reason
        assert s.get(good).finished <= s.get(long).started  # one at a time, in order
        wait_for(lambda: s.metrics(long, "step/"), what="step metrics")
        s.request_cancel(long)
        wait_for(lambda: s.get(long).status == "cancelled", 60, "the cancel")
        ckpt = load_checkpoint(s.checkpoint_path(good))
        spec, state, meta = ckpt.spec, ckpt.state, ckpt.meta
        assert ckpt.trained.input_size == 64 and ckpt.trained.classes == tuple(map(str, range(10)))
        assert meta["epoch"] == 1 and spec.convs[0].out_channels == 8 and "features.0.weight" in state
    finally:
        launcher.stop()


def test_killed_worker_keeps_finished_epochs_is_marked_interrupted_and_resumes():
    s = Store()
    cfg = TrainConfig(**{**QUICK.to_dict(), "epochs": 60, "train_limit": 128, "test_limit": 32})
    rid = submit(s, SPEC, cfg, "victim")
    launcher = Launcher(runs_dir(), "cpu", idle_exit_s=20)
    launcher.ensure()
    try:
        wait_for(lambda: s.get(rid).epochs_done >= 2, what="two finished epochs")
        pid = launcher.pid
        os.kill(pid, signal.SIGKILL)
        launcher.process.join(10)
        kept = s.get(rid).epochs_done
        assert s.get(rid).status == "running"  # nobody has noticed yet ...
        assert s.recover() == [rid]  # ... until recovery checks the pid
        run = s.get(rid)
        assert run.status == "interrupted" and f"{kept} finished epoch(s) kept" in run.reason
        assert [e for e, _, _ in s.metrics(rid, "epoch/test_acc")["epoch/test_acc"]] == list(range(1, kept + 1))
        assert load_checkpoint(s.checkpoint_path(rid)).meta["epoch"] in (kept, kept + 1)  # files go first

        s.requeue(rid, resume=True)
        launcher.ensure()
        wait_for(lambda: s.get(rid).epochs_done >= kept + 1, what="a resumed epoch")
        s.request_cancel(rid)
        wait_for(lambda: s.get(rid).status == "cancelled", 60, "the cancel")
        steps = [e for e, _, _ in s.metrics(rid, "epoch/test_acc")["epoch/test_acc"]]
        assert steps == list(range(1, len(steps) + 1)) and len(steps) > kept  # continued, no epoch twice
        step_rows = [st for st, _, _ in s.metrics(rid, "step/train_loss")["step/train_loss"]]
        assert step_rows == sorted(set(step_rows))  # the half-done epoch's steps were not logged twice
    finally:
        launcher.stop()


def test_cli_train_foreground_writes_the_same_store(capsys):
    code = main(["train", "--variant", "torchvision", "--dataset", "digits", "--epochs", "2", "--width", "0.125",
                 "--input-size", "64", "--train-limit", "256", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    epochs = [json.loads(line) for line in out[:-1]]
    assert [e["epoch"] for e in epochs] == [1, 2] and all(0 <= e["test_acc"] <= 1 for e in epochs)
    final = json.loads(out[-1])
    run = Store().get(final["run"])
    assert run.status == "done" and run.epochs_done == 2 and Path(final["checkpoint"]).is_file()
    # The checkpoint is the trained model: rebuilt from its own spec it scores what the run recorded.
    ckpt = load_checkpoint(Path(final["checkpoint"]))
    spec, state, meta = ckpt.spec, ckpt.state, ckpt.meta
    model = build_model(spec, seed=None)
    model.load_state_dict(state)
    cfg = TrainConfig.from_dict(run.config)
    p = prepare_run(presets.get("torchvision").spec, cfg)
    assert p.train.images.dtype == torch.uint8  # the dataset stays uint8 on the device
    assert evaluate(model, p, cfg)["test_acc"] == pytest.approx(epochs[-1]["test_acc"]) == meta["test_acc"]
    assert main(["runs", "--csv", str(run.id)]) == 0
    assert "epoch/test_acc,2," in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["train", "--variant", "nope"], "no variant 'nope'"),
    (["train", "--optimizer", "adam", "--lr", "-1"], "lr must be"),
    (["train", "--dataset", "cifar10", "--epochs", "1"], "cifar-10-batches-py"),
])
def test_cli_user_errors_exit_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any(needle in line for line in err) and all(line.startswith("error:") for line in err)


def test_sigterm_of_a_cli_run_marks_it_interrupted_and_keeps_finished_epochs(tmp_path):
    env = {**os.environ, "ALEXNET_RUNS_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "alexnet_core", "train", "--variant", "torchvision", "--dataset", "digits",
           "--epochs", "50", "--width", "0.125", "--input-size", "64", "--train-limit", "256", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()  # wait for at least one finished epoch, however fast the machine
    assert json.loads(first)["epoch"] >= 1
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    (run,) = Store(tmp_path).list()
    assert run.status == "interrupted" and run.epochs_done >= 1
