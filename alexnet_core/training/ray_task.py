"""What runs on a Ray worker: one run as a stream of events, with no access to the app's disk.

The loop runs in a thread of the task; the task's generator yields its events (start, steps, each
epoch's snapshot, checkpoint and resume files as bytes, the end) for the app side to write into the store.
``ray.cancel`` raises KeyboardInterrupt in the generator, which tells the loop to stop and waits.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from alexnet_core.spec.parse import spec_from_dict
from alexnet_core.training.jobs import train
from alexnet_core.training.records import Run
from alexnet_core.weights.checkpoint import MODEL_FILE, RESUME_FILE, save_checkpoint, save_resume


class StreamCallbacks:
    """Training callbacks that turn into events on a queue; each epoch's files go as bytes."""

    def __init__(self, events: queue.Queue, folder: Path, run_id: int) -> None:
        self.events, self.folder, self.run_id = events, folder, run_id
        self.stop = threading.Event()
        self.spec: Any = None
        self.trained: Any = None

    def on_start(self, info: dict[str, Any]) -> None:
        self.spec = spec_from_dict(info["spec"])
        self.trained = info.get("trained_with")
        self.events.put({"kind": "start", "info": info})

    def on_step(self, epoch: int, step: int, metrics: dict[str, float], progress: float) -> None:
        self.events.put({"kind": "step", "epoch": epoch, "step": step, "metrics": metrics, "progress": progress})

    def on_snapshot(self, epoch: int, data: bytes | None) -> None:  # bytes: the app side stores them
        self.events.put({"kind": "snapshot", "epoch": epoch, "data": data})

    def on_epoch(self, epoch: int, metrics: dict[str, float], model: nn.Module,
                 optimizer: torch.optim.Optimizer) -> None:
        model_file, resume_file = self.folder / MODEL_FILE, self.folder / RESUME_FILE
        save_checkpoint(model_file, self.spec, model, meta={"run": self.run_id, "epoch": epoch, **metrics},
                        trained=self.trained)
        save_resume(resume_file, model, optimizer, epoch, metrics)
        self.events.put({"kind": "epoch", "epoch": epoch, "metrics": metrics,
                         "model": model_file.read_bytes(), "resume": resume_file.read_bytes()})


def _node() -> str:
    try:
        import ray
        return ray.get_runtime_context().get_node_id()
    except Exception:  # outside Ray (tests call the generator directly)
        return "local"


def stream_run(run: Run, start: int, state: dict[str, Any] | None, threads: int) -> Iterator[dict[str, Any]]:
    """Train ``run`` after epoch ``start``; yields {"kind": hello|start|step|epoch|end, ...}."""
    torch.set_num_threads(max(1, threads))
    yield {"kind": "hello", "pid": os.getpid(), "node": _node()}
    events: queue.Queue = queue.Queue()
    with tempfile.TemporaryDirectory(prefix=f"alexnet_run{run.id}_") as tmp:
        cb = StreamCallbacks(events, Path(tmp), run.id)

        def work() -> None:
            status, reason = train(run, cb, cb.stop.is_set, start, state)
            events.put({"kind": "end", "status": status, "reason": reason})

        thread = threading.Thread(target=work, name=f"alexnet-run-{run.id}", daemon=True)
        thread.start()
        try:
            while True:
                event = events.get()
                yield event
                if event["kind"] == "end":
                    break
        finally:  # cancelled (KeyboardInterrupt) or done: the loop stops at its next step
            cb.stop.set()
            thread.join()
