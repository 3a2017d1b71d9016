"""Time ``codegen.generate_code`` per preset at its default input size: ``python -m benchmarks.code_bench``."""

from __future__ import annotations

import os
import statistics
import time

from alexnet_core.arch.codegen import generate_code
from alexnet_core.spec import presets

RUNS = 200


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}; median of {RUNS} runs each\n")
    print("| preset | input | median | max | lines |")
    print("|---|---|---|---|---|")
    for v in presets.list_variants():
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            text = generate_code(v.spec, v.input_size)
            times.append(time.perf_counter() - t)
        print(f"| `{v.id}` | {v.in_channels}×{v.input_size}×{v.input_size} | {statistics.median(times) * 1e3:.2f} ms "
              f"| {max(times) * 1e3:.2f} ms | {text.count(chr(10))} |")


if __name__ == "__main__":
    main()
