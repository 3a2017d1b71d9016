"""Where a change's browser time goes: Chromium's sampling profiler around the changes browser_bench times.

Run: python -m benchmarks.browser_profile lab [--changes 6] [--top 30]
     (cases: lab, arch, inside, tour, as in benchmarks/browser_bench.py)

For each change (after one warm-up) the page's CPU profile is recorded from the key press to the first
frame showing the changed value. Printed: the mean on-screen time, then self time per function per change
(native work such as style, layout and paint is "(program)"), then where the forced layouts and URL
updates come from (the callers of getBoundingClientRect, pushState and URLPattern).
"""

from __future__ import annotations

import argparse
import collections

from benchmarks import browser_bench as B
from tests.e2e import harness

TRACED = ("getBoundingClientRect", "pushState", "URLPattern")


def _frame(node: dict) -> str:
    f = node["callFrame"]
    return f'{f["functionName"] or "(anon)"} {f["url"].rsplit("/", 1)[-1][:40]}:{f["lineNumber"]}'


def profile(name: str, changes: int) -> tuple[float, collections.Counter, collections.Counter]:
    case = B.CASES[name]
    self_ms: collections.Counter = collections.Counter()
    callers: collections.Counter = collections.Counter()
    on_screen = 0.0
    with harness.streamlit_server() as url, harness.browser_page(1400, 1000) as page:
        page.goto(url + case.path)
        page.wait_for_selector(case.ready)
        harness.wait_idle(page)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 100})  # µs
        for i in range(changes + 1):
            case.prepare(page, i)
            page.evaluate(B.ARM, [case.watch, case.prefix])
            if i:
                cdp.send("Profiler.start")
            case.key(page, i)
            page.wait_for_function("() => window.__t1 !== undefined", timeout=60_000)
            if i:
                prof = cdp.send("Profiler.stop")["profile"]
                t0, t1 = page.evaluate("() => [window.__t0, window.__t1]")
                on_screen += t1 - t0
                nodes = {n["id"]: n for n in prof["nodes"]}
                parent = {c: n["id"] for n in prof["nodes"] for c in n.get("children", [])}
                for sample, dt in zip(prof["samples"], [*prof["timeDeltas"][1:], 0], strict=True):
                    node = nodes[sample]
                    self_ms[_frame(node)] += dt / 1000
                    if node["callFrame"]["functionName"] in TRACED:
                        chain, up = [], parent.get(sample)
                        while up is not None and len(chain) < 3:
                            chain.append(_frame(nodes[up]))
                            up = parent.get(up)
                        callers[f'{node["callFrame"]["functionName"]} <- {" <- ".join(chain)}'] += dt / 1000
            harness.wait_idle(page)
    return on_screen / changes, self_ms, callers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=list(B.CASES))
    ap.add_argument("--changes", type=int, default=6)
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args()
    mean, self_ms, callers = profile(args.case, args.changes)
    n = args.changes
    print(f"{B.CASES[args.case].name}: mean key press -> on screen {mean:.0f} ms; "
          f"profiled {sum(self_ms.values()) / n:.0f} ms per change")
    for key, ms in self_ms.most_common(args.top):
        print(f"{ms / n:7.1f} ms  {key}")
    print("callers:")
    for key, ms in callers.most_common(8):
        print(f"{ms / n:7.1f} ms  {key}")


if __name__ == "__main__":
    main()
