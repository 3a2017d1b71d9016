"""A classroom's load on one server, driven through Streamlit's own websocket protocol (no browsers).

Run: python -m benchmarks.ws_load [--sessions 10 25 50 100] [--mix same different train] [--seconds 40]
     [--kinds lab arch inside tour]

For each mix and each N, a fresh server (`streamlit run app.py`, its own runs folder in a temp dir) gets
N simulated tabs (benchmarks/ws_client.py). The tabs open their links at once, a third each on the Layer
Lab, the Architecture page and Inside. Then each tab changes one widget every 1.5-2.5 s (random, seeded)
and times change sent -> script finished:
- Layer Lab: conv1's stride slider, in its fragment;
- Architecture: the sidebar input size, a full-page rerun;
- Inside: the feature-map layer, in its fragment (a real forward pass on a cache miss);
- Tour (only with `--kinds ... tour`; the default kinds are the first three): /tour?step=2, pressing its
  "Try this" button (a trigger, sent for that rerun only).

Mixes:
- same: every tab on torchvision at 224 px;
- different: every tab on its own spec (variant and size vary per tab: the caches miss);
- train: as same, with a CPU training run (CLI, offline digits preset, same runs folder) alongside.

Reported per run: opens and changes with p50/p95/max, errors (an exception element, a run that did not
finish, a timeout), the server's CPU over the change window (100% = one core), its peak RSS, and memory
per added tab ((RSS with all tabs open - RSS before the first tab) / N). `--soak M` instead holds
`--sessions` tabs (first value) for M minutes in one mix and prints RSS every 10 s, at 1 min and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from alexnet_core.arch.shapes import valid_range
from alexnet_core.spec import presets
from benchmarks.ws_client import LAB_DIALS, Session, lab_stride
from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ["torchvision", "paper2012", "single_tower_lrn", "kaiming", "batchnorm", "d2l", "unpadded_classic"]


@dataclass(frozen=True)
class Tab:
    page: str
    query: str
    key: str
    values: tuple[object, object]


KINDS = ("lab", "arch", "inside")  # the default: the mixes as first measured
TOUR_STEP = 2  # a step whose "Try this" changes the live view (conv1's stride)


def tab_for(i: int, mix: str, kinds: tuple[str, ...] = KINDS) -> Tab:
    """Tab i's page, link and the two values its widget alternates between."""
    kind = kinds[i % len(kinds)]
    if kind == "tour":  # the tour's own link: its step sets the spec, so the mix does not vary it
        return Tab("tour", f"step={TOUR_STEP}", f"tour_try_{TOUR_STEP}", (True, True))
    variant, size = "torchvision", 224
    if mix == "different":  # a size inside the variant's valid range, with room for the +8 the sidebar tab adds
        variant = VARIANTS[i % len(VARIANTS)]
        lo, hi = valid_range(presets.get(variant).spec) or (200, None)
        span = 120 if hi is None else hi - 8 - max(lo, 200) + 1
        size = max(lo, 200) + (4 * i) % span
    query = f"variant={variant}&size={size}" + (f"&classes={10 + i}" if mix == "different" else "")
    if kind == "lab":
        return Tab("layer_lab", query, LAB_DIALS, (lab_stride(2), lab_stride(4)))
    if kind == "arch":
        return Tab("architecture", query, "sb_size", (size + 8, size))
    return Tab("inside", query, "inside_layer", ("conv2", "conv1"))


@dataclass
class Server:
    proc: subprocess.Popen
    port: int

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(env: dict[str, str]) -> Server:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
           "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Server(proc, port)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not become healthy")


@dataclass
class Tally:
    opens: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bytes: int = 0


async def drive(server: Server, tab: Tab, rng: random.Random, stop_at: list[float], opened: asyncio.Event,
                ready: list[int], n: int, tally: Tally, timeout: float) -> None:
    s = Session("127.0.0.1", server.port, tab.page, tab.query)
    try:
        r = await s.open(timeout=timeout)
        tally.opens.append(r.seconds)
        if not r.ok:
            tally.errors.append(f"open {tab.page}: {r.status} {r.errors[:1]}")
        ready[0] += 1
        if ready[0] == n:
            opened.set()
        await opened.wait()
        await asyncio.sleep(rng.uniform(0, 2))
        i = 0
        while time.monotonic() < stop_at[0]:
            try:
                r = await s.change(tab.key, tab.values[i % 2], timeout=timeout)
                tally.changes.append(r.seconds)
                tally.bytes += r.bytes
                if not r.ok:
                    tally.errors.append(f"{tab.page} {tab.key}: {r.status} {r.errors[:1]}")
            except TimeoutError:
                tally.errors.append(f"{tab.page} {tab.key}: no script_finished within {timeout:.0f} s")
            i += 1
            await asyncio.sleep(rng.uniform(1.5, 2.5))
    except Exception as exc:  # a dropped connection or a refused open is an error of the run, not of the script
        tally.errors.append(f"{tab.page}: {type(exc).__name__}: {exc}")
        ready[0] += 1
        if ready[0] >= n:
            opened.set()
    finally:
        await s.close()


def _own_cpu() -> float:
    """This client's CPU seconds (it shares the machine with the server: a busy client delays the replies)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(q * len(ys)))]


async def sample_rss(server: Server, peak: list[float], trace: list[tuple[float, float]] | None,
                     every: float) -> None:
    start = time.monotonic()
    while True:
        rss = server.rss_mb()
        peak[0] = max(peak[0], rss)
        if trace is not None:
            trace.append((time.monotonic() - start, rss))
        await asyncio.sleep(every)


def start_training(env: dict[str, str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "alexnet_core", "train", "--preset", "cpu_digits_adam_lr0.001", "--epochs", "500",
           "--device", "cpu"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


async def one_run(n: int, mix: str, seconds: float, seed: int, timeout: float,
                  soak_trace: list[tuple[float, float]] | None = None,
                  kinds: tuple[str, ...] = KINDS) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ws_load_") as tmp:
        env = {**os.environ, "ALEXNET_RUNS_DIR": str(Path(tmp) / "runs")}
        server = start_server(env)
        trainer = start_training(env) if mix == "train" else None
        try:
            # one warm tab per page first: imports and the first build are start-up, not per-session memory
            for i in range(len(kinds)):
                first = tab_for(i, "same", kinds)
                warm = Session("127.0.0.1", server.port, first.page, first.query)
                await warm.open(timeout=timeout)
                await warm.close()
            await asyncio.sleep(1)
            before = server.rss_mb()
            rng = random.Random(seed)
            tally, peak, ready, opened = Tally(), [before], [0], asyncio.Event()
            stop_at = [float("inf")]
            sampler = asyncio.create_task(sample_rss(server, peak, soak_trace, 10.0 if soak_trace is not None else 0.5))
            tasks = [asyncio.create_task(drive(server, tab_for(i, mix, kinds), random.Random(rng.random()), stop_at, opened,
                                               ready, n, tally, timeout)) for i in range(n)]
            await opened.wait()
            all_open = server.rss_mb()
            cpu0, t0, me0 = server.cpu_seconds(), time.monotonic(), _own_cpu()
            stop_at[0] = t0 + seconds
            await asyncio.gather(*tasks)
            wall = time.monotonic() - t0
            cpu, client_cpu = (server.cpu_seconds() - cpu0) / wall, (_own_cpu() - me0) / wall
            sampler.cancel()
            after = server.rss_mb()
        finally:
            if trainer is not None:
                trainer.terminate()
                trainer.wait(30)
            server.proc.terminate()
            try:
                server.proc.wait(15)
            except subprocess.TimeoutExpired:
                server.proc.kill()
    return {
        "mix": mix, "n": n, "opens": len(tally.opens), "open_p50": pct(tally.opens, 0.5),
        "open_p95": pct(tally.opens, 0.95), "changes": len(tally.changes), "p50": pct(tally.changes, 0.5),
        "p95": pct(tally.changes, 0.95), "max": max(tally.changes, default=float("nan")),
        "errors": len(tally.errors), "error_examples": tally.errors[:3], "cpu": cpu, "client_cpu": client_cpu, "rss_before": before,
        "rss_open": all_open, "rss_end": after, "peak": peak[0], "per_tab": (max(all_open, after) - before) / n,
        "kb_per_change": tally.bytes / 1024 / max(1, len(tally.changes)),
    }


def row(r: dict[str, object]) -> str:
    return (f"| {r['mix']} | {r['n']} | {r['open_p50'] * 1000:.0f} / {r['open_p95'] * 1000:.0f} ms | {r['changes']} | "
            f"{r['p50'] * 1000:.0f} ms | {r['p95'] * 1000:.0f} ms | {r['max'] * 1000:.0f} ms | {r['errors']} | "
            f"{r['cpu'] * 100:.0f}% | {r['client_cpu'] * 100:.0f}% | {r['peak']:.0f} MB | {r['per_tab']:.1f} MB | {r['kb_per_change']:.0f} kB |")


HEADER = ("| mix | tabs | open p50 / p95 | changes | p50 | p95 | max | errors | server CPU | client CPU | peak RSS "
          "| MB per tab | kB per change |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[10, 25, 50, 100])
    ap.add_argument("--mix", nargs="+", default=["same", "different", "train"], choices=["same", "different", "train"])
    ap.add_argument("--seconds", type=float, default=40.0, help="the change window of each run, after every tab opened")
    ap.add_argument("--timeout", type=float, default=60.0, help="a change not finished after this is an error")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=[*KINDS, "tour"],
                    help="the pages the tabs take in turn")
    ap.add_argument("--soak", type=float, metavar="MINUTES", help="hold --sessions[0] tabs of --mix[0] this long")
    args = ap.parse_args()
    if args.soak:
        trace: list[tuple[float, float]] = []
        r = asyncio.run(one_run(args.sessions[0], args.mix[0], args.soak * 60, args.seed, args.timeout, trace,
                              tuple(args.kinds)))
        for t, rss in trace:
            print(f"  {t:6.0f} s  {rss:7.0f} MB")
        at1 = next((rss for t, rss in trace if t >= 60), float("nan"))
        print(f"soak: RSS at 1 min {at1:.0f} MB, at the end {r['rss_end']:.0f} MB, ratio {r['rss_end'] / at1:.3f}; "
              f"peak {r['peak']:.0f} MB; {r['changes']} changes, {r['errors']} errors, p50 {r['p50'] * 1000:.0f} ms, "
              f"p95 {r['p95'] * 1000:.0f} ms")
        return
    print(HEADER, flush=True)
    for mix in args.mix:
        for n in args.sessions:
            r = asyncio.run(one_run(n, mix, args.seconds, args.seed, args.timeout, kinds=tuple(args.kinds)))
            print(row(r), flush=True)
            if r["errors"]:
                print(f"    errors, first ones: {r['error_examples']}", flush=True)


if __name__ == "__main__":
    main()
