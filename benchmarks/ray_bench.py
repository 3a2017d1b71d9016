"""Ray backend overhead against the local worker, on the same CPU job (one run each, one thread each).

Two figures per backend, both read from the store's own wall times:
1. Start to first metric: from submit (the Start button's call) to the first step row in SQLite;
2. per-epoch time: the mean gap between consecutive epoch rows (epoch 1 excluded: it carries start-up).

    python -m benchmarks.ray_bench            # ~2-3 min on the shared 2-core box
    python -m benchmarks.ray_bench --epochs 4 --width 0.25
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ALEXNET_TRAIN_THREADS", "1")
os.environ.setdefault("ALEXNET_RAY_CPUS", "1")


def measure(backend_name: str, epochs: int, width: float) -> dict[str, float]:
    from alexnet_core.spec import presets
    from alexnet_core.training.backends import make_backend
    from alexnet_core.training.jobs import submit
    from alexnet_core.training.loop import TrainConfig
    from alexnet_core.training.store import Store

    folder = Path(tempfile.mkdtemp(prefix=f"ray_bench_{backend_name}_"))
    store, backend = Store(folder), make_backend(folder, backend_name)
    cfg = TrainConfig(epochs=epochs, width=width, input_size=64, batch_size=64, train_limit=512, test_limit=128,
                      device="cpu")
    t0 = time.time()
    rid = submit(store, presets.get("torchvision").spec, cfg, backend_name, backend)
    backend.ensure()
    while store.get(rid).status in ("queued", "running"):
        time.sleep(0.2)
    run = store.get(rid)
    assert run.status == "done", run.reason
    steps = store.metrics(rid, "step/")
    first = min(w for rows in steps.values() for _, _, w in rows)
    walls = [w for _, _, w in store.metrics(rid, "epoch/test_acc")["epoch/test_acc"]]
    per_epoch = (walls[-1] - walls[0]) / (len(walls) - 1)  # the mean gap between epoch rows
    if backend_name == "local":
        for launcher in backend.launchers.values():
            launcher.stop()
    return {"start_to_first_metric_s": first - t0, "per_epoch_s": per_epoch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--width", type=float, default=0.25)
    args = ap.parse_args()
    import ray

    t = time.time()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray.init (local, 2 CPUs): {time.time() - t:.1f} s")
    out = {name: measure(name, args.epochs, args.width) for name in ("local", "ray")}
    ray.shutdown()
    for name, m in out.items():
        print(f"{name:5}  start to first metric {m['start_to_first_metric_s']:.1f} s   "
              f"per epoch {m['per_epoch_s']:.2f} s")
    print(f"per-epoch ratio ray/local: {out['ray']['per_epoch_s'] / out['local']['per_epoch_s']:.3f}")


if __name__ == "__main__":
    main()
