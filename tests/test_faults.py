"""Faults that must lose nothing: a full disk while an epoch's checkpoint is written."""

from __future__ import annotations

import errno
import os

import torch

from alexnet_core.spec import presets
from alexnet_core.training import jobs
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.store import Store
from alexnet_core.weights import checkpoint
from alexnet_core.weights.checkpoint import load_checkpoint

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
