"""Architecture page speed: AppTest rerun after a widget change, summary per preset, cold start.

Run: OMP_NUM_THREADS=1 python -m benchmarks.arch_bench [--no-browser]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets

ROOT = Path(__file__).resolve().parents[1]


def ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:.1f} ms (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})"


def rerun_after_change() -> tuple[list[float], list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    fresh, repeat = [], []
    sizes = list(range(200, 230))  # each new size is a new summary: no cache help
    for n in sizes:
        t = time.perf_counter()
        at.number_input(key="sb_size").set_value(n).run()
        fresh.append(time.perf_counter() - t)
        assert not at.exception and any('data-table="arch"' in h.proto.body for h in at.get('html'))
    for n in sizes[:20]:  # sizes seen before: the cached summary
        t = time.perf_counter()
        at.number_input(key="sb_size").set_value(n).run()
        repeat.append(time.perf_counter() - t)
    return fresh, repeat


def preset_summaries() -> dict[str, list[float]]:
    out = {}
    for v in presets.list_variants():
        summarize(v.spec, v.input_size)  # warm torchinfo's imports once
        times = []
        for _ in range(5):
            t = time.perf_counter()
            summarize(v.spec, v.input_size)
            times.append(time.perf_counter() - t)
        out[v.id] = times
    return out


def cold_start() -> float:
    from tests.e2e import harness

    t = time.perf_counter()
    with harness.streamlit_server() as url, harness.browser_page() as page:
        page.goto(f"{url}/")
        page.wait_for_selector(".ax-table td", state="attached")
        return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    fresh, repeat = rerun_after_change()
    print(f"AppTest rerun after a size change, new size (summary computed): {ms(fresh)}")
    print(f"AppTest rerun after a size change, size seen before (cached):  {ms(repeat)}")
    for vid, times in preset_summaries().items():
        print(f"summary {vid:<17} {ms(times)}")
    if not args.no_browser:
        print(f"cold start, `streamlit run` to first table cell in chromium: {cold_start():.1f} s")


if __name__ == "__main__":
    main()
