"""Old against new in one sitting: each page benchmark run on an older commit and on this tree,
interleaved A B B A so that load drifting during the sitting falls on both alike.

Run: python -m benchmarks.old_vs_new --old 92dd942 [--rounds 2] [--only lab,arch]

The old commit is checked out into a temporary git worktree and its benchmark scripts run as
they were written then (``python benchmarks/x.py``, or ``-m`` where the old tree has the package).
Every line that reports a median (ms or s) or a rate (img/s) is paired by its label; the table
gives the median of each side and the ratio new/old (for img/s old/new, so > 1 is always slower).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
# (name, module, arguments): the same commands BENCHMARKS.md names.
BENCHES = [
    ("arch", "arch_bench", ["--no-browser"]),
    ("lab", "lab_bench", []),
    ("inside", "inside_bench", []),
    ("export", "export_bench", ["--repeats", "1"]),
    ("train", "train_bench", ["--repeats", "1"]),
]
MEDIAN = re.compile(r"^(?P<label>[^:|]+?):?\s+median (?P<value>[\d.]+) (?P<unit>ms|s)\b")
SLOWEST = re.compile(r"^(?P<label>slowest preset median): (?P<value>[\d.]+) (?P<unit>s)\b")
RATE = re.compile(r"^(?P<label>training|input pipeline at \d+ px): ours (?P<value>[\d,.]+) (?P<unit>img/s)")


def figures(output: str) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for line in output.splitlines():
        for pattern in (MEDIAN, SLOWEST, RATE):
            m = pattern.match(line.strip())
            if m:
                out[m["label"].strip()] = (float(m["value"].replace(",", "")), m["unit"])
                break
    return out


def run_bench(tree: Path, module: str, args: list[str]) -> dict[str, tuple[float, str]]:
    as_module = (tree / "benchmarks" / "__init__.py").exists()
    cmd = [sys.executable, "-m", f"benchmarks.{module}"] if as_module else [sys.executable, f"benchmarks/{module}.py"]
    done = subprocess.run(cmd + args, cwd=tree, env=ENV, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(f"{module} failed in {tree}:\n{done.stderr[-2000:]}")
    return figures(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True, help="the commit to compare with")
    ap.add_argument("--rounds", type=int, default=1, help="A B B A blocks per benchmark")
    ap.add_argument("--only", default="", help="comma-separated names: " + ",".join(b[0] for b in BENCHES))
    args = ap.parse_args()
    chosen = [b for b in BENCHES if not args.only or b[0] in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old), args.old], cwd=ROOT, check=True)
        try:
            print(f"old {args.old} vs this tree; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
            print("| benchmark | figure | old median | new median | ratio (>1: new slower) |")
            print("|---|---|---|---|---|")
            for name, module, bench_args in chosen:
                runs: dict[str, list[dict[str, tuple[float, str]]]] = {"old": [], "new": []}
                for _ in range(args.rounds):
                    for side in ("old", "new", "new", "old"):
                        runs[side].append(run_bench(old if side == "old" else ROOT, module, bench_args))
                for label in runs["new"][0]:
                    if not all(label in r for r in runs["old"] + runs["new"]):
                        continue
                    unit = runs["new"][0][label][1]
                    o = statistics.median(r[label][0] for r in runs["old"])
                    n = statistics.median(r[label][0] for r in runs["new"])
                    ratio = o / n if unit == "img/s" else n / o
                    print(f"| {name} | {label} | {o:,.1f} {unit} | {n:,.1f} {unit} | {ratio:.2f} |", flush=True)
            print(f"load average after: {os.getloadavg()[0]:.2f}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
