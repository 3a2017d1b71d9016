"""Figures for slides: what they add to a page rerun, and what a model card costs.

``python -m benchmarks.slides_bench``. Per preset at its default input size:

- rerun cost: what the Architecture page and the Layer Lab now do on every rerun for the copy-out
  (Markdown + LaTeX of the table) and the card button (the arithmetic table, to know whether a card can exist);
- card: building the whole HTML (only when the button is pressed, or by the CLI), and its size.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.table import analytic_summary
from alexnet_core.figures.card import card_for
from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec

RUNS = 200
CARD_RUNS = 5


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def _rerun(spec: ArchSpec, size: int) -> None:
    s = analytic_summary(spec, size)
    tf.to_markdown(s)
    tf.to_latex(s)


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} at start; medians of {RUNS} runs (card: {CARD_RUNS})\n")
    print("| preset | input | rerun: Markdown + LaTeX + table | card HTML build | card size |")
    print("|---|---|---|---|---|")
    for v in presets.list_variants():
        rerun = _median_ms(partial(_rerun, v.spec, v.input_size), RUNS)
        card = _median_ms(partial(card_for, v.spec, v.input_size), CARD_RUNS)
        size = len(card_for(v.spec, v.input_size).encode())
        print(f"| `{v.id}` | {v.in_channels}×{v.input_size}×{v.input_size} | {rerun:.2f} ms "
              f"| {card:.1f} ms | {size / 1e6:.2f} MB |")
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "card.html"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "alexnet_core", "card", "--variant", "paper2012", "--out", str(out)],
                       check=True, capture_output=True)
        print(f"\n`python -m alexnet_core card --variant paper2012 --out card.html`: {time.perf_counter() - t:.2f} s "
              "wall, one run (interpreter start and imports included)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
