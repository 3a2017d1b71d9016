"""``train`` (foreground, same store as the app) and ``runs`` (list, export CSV or snapshot PNGs)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from alexnet_core.cli.common import parse_seed, read_spec_file
from alexnet_core.cli.snapshots import export_snapshots
from alexnet_core.spec import presets as variants
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training import data as D
from alexnet_core.training import presets as train_presets
from alexnet_core.training.backends import BACKENDS, BackendUnavailable, backend_name, make_backend
from alexnet_core.training.jobs import run_job, submit
from alexnet_core.training.loop import (
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    resolve_device,
)
from alexnet_core.training.store import Store


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train in the foreground; writes to the app's runs store")
    p.add_argument("--preset", help=f"a training preset: {', '.join(train_presets.PRESETS)}")
    p.add_argument("--variant", help=f"one of: {', '.join(variants.ids())} (default: torchvision)")
    p.add_argument("--spec", help="a spec JSON file (from the Layer Lab) instead of --variant")
    p.add_argument("--dataset", help=f"{', '.join(D.DATASETS)} or folder:<path inside the data folder>")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--schedule", choices=SCHEDULES)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--input-size", type=int, help="square side in px")
    p.add_argument("--width", type=float, help="width multiplier (0.25 for CPU-sized runs)")
    p.add_argument("--train-limit", type=int, help="use only the first N training images")
    p.add_argument("--device", help="auto (CUDA, then MPS, then CPU), cpu, cuda, mps")
    p.add_argument("--seed", type=parse_seed)
    p.add_argument("--download", action="store_true", help="download a torchvision dataset if absent")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--backend", choices=BACKENDS,
                   help="local: train in this process (default); ray: as a Ray task (RAY_ADDRESS, else a local Ray)")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch, then the result")

    p.add_argument("--snapshot-layer", help="the layer whose maps each epoch's snapshot keeps (default conv1; '' for none)")
    p.set_defaults(handler=cmd_train)

    p = sub.add_parser("runs", help="list training runs, or export their metrics as CSV or snapshots as PNGs")
    p.add_argument("--csv", nargs="+", type=int, metavar="RUN", help="print these runs' metrics as CSV")
    p.add_argument("--snapshots", type=int, metavar="RUN", help="write RUN's per-epoch snapshots as PNGs into --out")
    p.add_argument("--out", type=Path, metavar="DIR", help="the folder for --snapshots")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_runs)


_FLAGS = {"dataset": "dataset", "epochs": "epochs", "batch_size": "batch_size", "lr": "lr",
          "optimizer": "optimizer", "schedule": "schedule", "weight_decay": "weight_decay",
          "input_size": "input_size", "width": "width", "train_limit": "train_limit", "device": "device",
          "seed": "seed", "snapshot_layer": "snapshot_layer"}


def _config(args: argparse.Namespace) -> tuple[ArchSpec, TrainConfig, str]:
    base, variant_id = TrainConfig(), args.variant or "torchvision"
    if args.preset:
        preset = train_presets.get(args.preset)
        base, variant_id = preset.config, args.variant or preset.variant
    changes = {field: getattr(args, flag) for flag, field in _FLAGS.items() if getattr(args, flag) is not None}
    if args.download:
        changes["download"] = True
    if args.compile:
        changes["compile"] = True
    cfg = replace(base, **changes).check()
    D.check_name(cfg.dataset)
    if args.spec:
        spec = read_spec_file(Path(args.spec))
        label = f"{spec.name} (file)"
    else:
        v = variants.get(variant_id)
        spec, label = v.spec, v.title
    return spec, cfg.check(spec), label


def _follow_on_ray(store: Store, spec: ArchSpec, cfg: TrainConfig, label: str, echo: Any,
                   current: list[int]) -> tuple[int, str]:
    """Queue the run for Ray and follow it from here; (run id, status). BackendUnavailable leaves it queued."""
    backend = make_backend(store.folder, "ray")
    run_id = current[0] = submit(store, spec, cfg, label, backend)
    try:
        backend.connect()
    except BackendUnavailable as exc:
        raise BackendUnavailable(f"run {run_id}: {exc}") from None
    from alexnet_core.training.ray_backend import Follower

    while (run := store.claim_next(store.get(run_id).device, os.getpid(), "ray",
                                   backend.slots(store.get(run_id).device), only=run_id)) is None:
        if store.get(run_id).status != "queued":  # an app following the queue took it
            return run_id, store.get(run_id).status
        time.sleep(1.0)
    follower = Follower(store, run, echo)
    try:
        follower.thread.join()
    except KeyboardInterrupt:
        follower.cancel(force=True)
        follower.thread.join(30)
        raise
    return run_id, follower.status or "failed"


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (a scheduler, `kill`) ends a run as Ctrl-C does, so the store marks it instead of leaving it running."""
    raise KeyboardInterrupt


def cmd_train(args: argparse.Namespace) -> int:
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        return _train(args)
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _train(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _train(args: argparse.Namespace) -> int:
    spec, cfg, label = _config(args)
    store = Store()
    on_ray = backend_name(args.backend) == "ray"
    device = "ray" if on_ray else resolve_device(cfg.device)
    run_id, current = -1, [-1]  # current: the run id, known to echo once the run is queued

    def echo(epoch: int, m: dict[str, float]) -> None:
        if args.json:
            print(json.dumps({"run": current[0], "epoch": epoch, **m}), flush=True)
        else:
            print(f"run {current[0]} epoch {epoch}/{cfg.epochs}  train loss {m['train_loss']:.4f} "
                  f"acc {m['train_acc']:.4f}  test loss {m['test_loss']:.4f} acc {m['test_acc']:.4f}", flush=True)

    if not args.json:
        print(f"{label} on {cfg.dataset}, {cfg.epochs} epochs, {device}; store {store.path}", flush=True)
    try:
        if on_ray:
            run_id, status = _follow_on_ray(store, spec, cfg, f"{label} · {cfg.dataset}", echo, current)
        else:
            run_id = current[0] = store.create(f"{label} · {cfg.dataset}", spec.to_dict(), cfg.to_dict(), device,
                                               status="running", pid=os.getpid())
            status = run_job(store, store.get(run_id), echo)
    except BackendUnavailable as exc:  # RAY_ADDRESS pointing at nothing: one sentence, the run stays queued
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        run_id = current[0]
        if run_id > 0:
            store.finish(run_id, "interrupted", "stopped (Ctrl-C or SIGTERM); finished epochs kept")
        sys.stderr.write(f"error: run {run_id} interrupted\n")
        return 130
    final = store.get(run_id)
    if args.json:
        print(json.dumps({"run": run_id, "status": status, "reason": final.reason, "backend": final.backend,
                          "checkpoint": str(store.checkpoint_path(run_id)) if final.epochs_done else None}))
    if status != "done":
        sys.stderr.write(f"error: run {run_id} {status}: {final.reason}\n")
        return 2 if status == "failed" else 1
    if not args.json:
        print(f"run {run_id} done; checkpoint {store.checkpoint_path(run_id)}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    store = Store()
    if args.snapshots is not None:
        written = export_snapshots(store, args.snapshots, args.out)
        print(f"{len(written)} PNG(s) in {args.out}: {written[0].name} ... {written[-1].name}")
        return 0
    if args.csv:
        for rid in args.csv:
            store.get(rid)  # KeyError -> one-line error
        sys.stdout.write(store.export_csv(args.csv))
        return 0
    runs = store.list()
    if args.json:
        json.dump([{"id": r.id, "label": r.label, "status": r.status, "device": r.device, "backend": r.backend,
                    "epochs_done": r.epochs_done, "reason": r.reason, "config": r.config} for r in runs],
                  sys.stdout, indent=2)
        print()
        return 0
    for r in runs:
        print(f"#{r.id:<4} {r.status:<11} {r.backend:<5} {r.device:<4} {r.epochs_done}/{r.config.get('epochs')} "
              f"epochs  {r.label}"
              + (f"  ({r.reason})" if r.reason else ""))
    return 0
