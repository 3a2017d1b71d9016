"""ONNX export + checks per preset at its default input size (target: <= 5 s each on this CPU).

Run: OMP_NUM_THREADS=1 python -m benchmarks.export_bench [--repeats 3] [--variants id,id]

"export" is building the model with seeded random weights and writing the ONNX bytes; "checks"
is onnx.checker, the content digest, shape inference, onnxruntime against PyTorch and the
initializer count (plus the file's SHA-256). Each repeat is a fresh export: nothing cached.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from alexnet_core.export.run import export_and_check
from alexnet_core.spec import presets

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default=",".join(presets.ids()))
    args = ap.parse_args()
    export_and_check(presets.get("small_input").spec, (64, 64))  # warm-up: imports, first trace
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| preset | input | export (s) | checks (s) | total median (s) | total max (s) | CPU time median (s) | file | ≤ 5 s |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for vid in args.variants.split(","):
        v = presets.get(vid)
        exports, checks, totals, cpu = [], [], [], []
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            r = export_and_check(v.spec, (v.input_size, v.input_size))
            totals.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            exports.append(r.timings["export"])
            checks.append(r.timings["checks"])
            assert r.passed, r.report.failures
        med = statistics.median(totals)
        worst = max(worst, med)
        print(f"| {vid} | {v.in_channels}×{v.input_size}² | {statistics.median(exports):.2f} | "
              f"{statistics.median(checks):.2f} | {med:.2f} | {max(totals):.2f} | {statistics.median(cpu):.2f} | "
              f"{r.report.size_bytes / 1e6:.0f} MB | {'yes' if med <= 5 else 'NO'} |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"\nslowest preset median: {worst:.2f} s (n={args.repeats} each, {time.strftime('%H:%M UTC', time.gmtime())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
