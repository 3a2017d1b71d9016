"""Layer Lab speed: AppTest rerun after a conv1 dial change (full table at 224), and its parts.

Run: OMP_NUM_THREADS=1 python -m benchmarks.lab_bench
The AppTest figure is the wall time of a dial's change and its run (``tests.helpers.set_dial``): callback, the whole page
script (sidebar, controls, table, plots, conv arithmetic) and AppTest's own message parsing.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from alexnet_core.arch.table import analytic_summary
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets

ROOT = Path(__file__).resolve().parents[1]


def ms(xs: list[float]) -> str:
    return (f"median {statistics.median(xs) * 1000:.1f} ms (min {min(xs) * 1000:.1f}, "
            f"max {max(xs) * 1000:.1f}, n={len(xs)})")


CPU: list[float] = []  # process CPU seconds per rerun (script thread + AppTest): what load cannot inflate


def rerun_after_dial(rounds: int = 3, tab: str | None = None) -> tuple[list[float], list[float]]:
    """conv1's stride then padding through new values: the first round's specs are new (table not cached)."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import set_dial

    at = AppTest.from_file(str(ROOT / "pages" / "layer_lab.py"), default_timeout=120)
    at.query_params["variant"] = "torchvision"
    at.query_params["size"] = "224"
    at.run()
    if tab:
        at.session_state["lab_tab"] = tab
        at.run()
    fresh, seen = [], []
    for r in range(rounds):
        for field, values in (("s", [2, 3, 5, 4]), ("p", [0, 1, 3, 2])):
            for v in values:
                t, c = time.perf_counter(), time.process_time()
                set_dial(at, 0, field, v)  # the dials' trigger, as the browser sends it
                (fresh if r == 0 else seen).append(time.perf_counter() - t)
                CPU.append(time.process_time() - c)
                assert not at.exception, at.exception
                assert any('data-table="lab"' in h.proto.body for h in at.get('html')) or tab
    return fresh, seen


def parts() -> dict[str, list[float]]:
    spec = presets.get("torchvision").spec
    out: dict[str, list[float]] = {"analytic table (shapes.trace + arithmetic)": [],
                                   "torchinfo summary on meta (what it replaces)": []}
    summarize(spec, 224)
    for _ in range(10):
        t = time.perf_counter()
        analytic_summary(spec, 224)
        out["analytic table (shapes.trace + arithmetic)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        summarize(spec, 224)
        out["torchinfo summary on meta (what it replaces)"].append(time.perf_counter() - t)
    return out


def main() -> None:
    import os

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    fresh, seen = rerun_after_dial()
    print(f"AppTest rerun after a conv1 dial change, new spec: {ms(fresh)}")
    print(f"AppTest rerun after a conv1 dial change, spec seen before: {ms(seen)}")
    print(f"all reruns (Network tab: metrics, flow plot, full table): {ms(fresh + seen)}")
    print(f"  CPU time per rerun (process_time): {ms(CPU)}")
    CPU.clear()
    fresh, seen = rerun_after_dial(rounds=2, tab="Convolution arithmetic")
    print(f"same, with the Convolution arithmetic tab open instead: {ms(fresh + seen)}")
    print(f"  CPU time per rerun (process_time): {ms(CPU)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    for name, xs in parts().items():
        print(f"{name}: {ms(xs)}")


if __name__ == "__main__":
    main()
