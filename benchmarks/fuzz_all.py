"""Fuzz every way in: ``python3 -m benchmarks.fuzz_all --count 10000``.

The inputs and entries are tests/fuzz_ways.py's (the suite runs a small seeded share of them); this
script spreads ``--count`` inputs evenly over the ways, under the fuzz budget, and prints and writes a
table: way in, tried, refused cleanly, accepted, failed (traceback), over budget. Each failure's input
is written beside the table, so a run that finds one can be replayed from its seed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from tests import fuzz_ways as W

COLUMNS = [W.Outcome.REFUSED, W.Outcome.ACCEPTED, W.Outcome.FAILED, W.Outcome.OVER]


def table(counts: dict[str, Counter], seconds: dict[str, float]) -> str:
    head = "| way in | tried | " + " | ".join(c.value for c in COLUMNS) + " | seconds |"
    rows = [head, "|" + "---|" * (len(COLUMNS) + 3)]
    total: Counter = Counter()
    for way, c in counts.items():
        total.update(c)
        rows.append(f"| {way} | {sum(c.values()):,} | " + " | ".join(f"{c[o]:,}" for o in COLUMNS)
                    + f" | {seconds[way]:.0f} |")
    rows.append(f"| **all** | **{sum(total.values()):,}** | " + " | ".join(f"**{total[o]:,}**" for o in COLUMNS)
                + f" | {sum(seconds.values()):.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m benchmarks.fuzz_all", description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000, help="inputs in all, spread evenly over the ways")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/out/fuzz_all"), help="folder for the table")
    args = ap.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" warnings of the page code run bare
    warnings.simplefilter("ignore")  # PIL and torch warn about the damaged files: that is the point
    per_way = -(-args.count // len(W.WAYS))
    counts: dict[str, Counter] = {}
    seconds: dict[str, float] = {}
    failures: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        os.environ.update(W.prepare_workspace(work))
        for way in W.WAYS:
            rng, c, t0 = random.Random(f"{args.seed}:{way.name}"), Counter(), time.perf_counter()
            for i in range(per_way):
                r = W.run_one(way, rng, work)
                c[r.outcome] += 1
                if r.outcome in (W.Outcome.FAILED, W.Outcome.OVER):
                    failures.append({"way": way.name, "index": str(i), "label": r.label, "outcome": r.outcome.value,
                                     "detail": r.detail, "input": r.value})
            counts[way.name], seconds[way.name] = c, time.perf_counter() - t0
            print(f"{way.name}: {dict((o.value, n) for o, n in c.items())} in {seconds[way.name]:.0f} s",
                  file=sys.stderr, flush=True)
    text = table(counts, seconds)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "failures.json").write_text(json.dumps(failures, indent=1), encoding="utf-8")
    for f in failures[:20]:
        print(f"{f['outcome']}: {f['way']} #{f['index']} {f['label']}: {f['detail']}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
