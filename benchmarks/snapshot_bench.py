"""Watch it learn: the size of one epoch's snapshot and the time to take and write it.

For the full-width torchvision AlexNet at 224 px (and at widths x0.25 and x4 for scale), with the
probe a real one: the first digits test image, prepared as a run prepares it. Per width:
1. bytes per epoch: the encoded snapshot (float16, uncompressed npz), as the store keeps it;
2. take: the probe's forward pass, top-16 choice and downsampling, conv1 copied (median of n);
3. encode: the npz bytes (median of n);
4. write: an epoch commit with the snapshot minus the same commit without one (medians of n each,
   into a fresh SQLite store on this machine's disk).

    python -m benchmarks.snapshot_bench            # ~1 min on the shared 2-core box
    python -m benchmarks.snapshot_bench --n 40 --widths 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def measure(width: float, n: int, size: int = 224) -> dict[str, float]:
    from alexnet_core.arch.build import build_model
    from alexnet_core.spec import presets
    from alexnet_core.training import data as D
    from alexnet_core.training import snapshots as S
    from alexnet_core.training.loop import scaled_spec
    from alexnet_core.training.store import Store

    base = presets.get("torchvision").spec
    spec = scaled_spec(base, width, in_channels=base.in_channels, num_classes=10)
    model = build_model(spec, seed=0).train()
    train, test = D.load("digits", train=True), D.load("digits", train=False)
    mean, std = D.channel_stats(train)
    x = S.probe(test, size, mean=mean, std=std, channels=spec.in_channels)
    snap = S.take(model, x, epoch=1)
    data = S.encode(snap)
    store = Store(Path(tempfile.mkdtemp(prefix="snapshot_bench_")))
    rid = store.create("bench", spec.to_dict(), {}, "cpu")
    rows = [(f"epoch/{k}", 1, 0.5) for k in ("train_loss", "train_acc", "test_loss", "test_acc", "lr")]
    epoch = iter(range(1, 10**6))
    with_snapshot = _median_ms(lambda: store.commit_epoch(rid, next(epoch), rows, data), n)
    without = _median_ms(lambda: store.commit_epoch(rid, next(epoch), rows), n)
    return {"width": width, "filters": snap.filters.shape[0], "bytes": len(data),
            "take_ms": _median_ms(lambda: S.take(model, x, epoch=1), n),
            "encode_ms": _median_ms(lambda: S.encode(snap), n),
            "decode_ms": _median_ms(lambda: S.decode(data), n),
            "commit_with_ms": with_snapshot, "commit_without_ms": without}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="repeats per timed figure (medians)")
    ap.add_argument("--widths", type=float, nargs="+", default=[1.0, 0.25, 4.0])
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| width | conv1 filters | bytes per epoch | take | encode | decode | epoch commit with / without | write (difference) |")
    print("|---|---|---|---|---|---|---|---|")
    for w in args.widths:
        r = measure(w, args.n)
        print(f"| ×{r['width']:g} | {r['filters']} | {r['bytes']:,} ({r['bytes'] / 1e6:.3f} MB) | {r['take_ms']:.1f} ms | "
              f"{r['encode_ms']:.2f} ms | {r['decode_ms']:.2f} ms | {r['commit_with_ms']:.2f} / {r['commit_without_ms']:.2f} ms | "
              f"{r['commit_with_ms'] - r['commit_without_ms']:.2f} ms |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
