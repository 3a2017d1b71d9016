"""Key press -> the changed value on screen, in Chromium, for the changes issue 10 names.

Run: python -m benchmarks.browser_bench [--changes 12] [--ref COMMIT] [--only lab,arch,inside,tour]
                                        [--server-arg --runner.postScriptGC=true]

Each case opens a deep link on a fresh server, focuses one control, and presses a key. The page
records the time of the keydown (a capture listener on window) and the first animation frame in
which the watched text differs from its value before the press; the figure is their difference,
in the page's own clock. The script's own time under AppTest is in lab_bench/arch_bench/inside_bench.

--ref runs the same cases on an older commit (a temporary git worktree) in the same sitting,
alternating old and new per case, so the ratio new/old is measured under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ws_client import LAB_DIALS, Session, lab_stride
from tests.e2e import harness

ROOT = Path(__file__).resolve().parents[1]

# Watch the text of `selector`'s elements from the keydown on; resolve with the first animation frame
# in which it differs from before.
ARM = """([selector, prefix]) => {
    const read = () => [...document.querySelectorAll(selector)].map(e => e.textContent)
        .filter(t => t.startsWith(prefix)).join('|');
    window.__before = read(); window.__t0 = undefined; window.__t1 = undefined;
    window.addEventListener('keydown', () => { if (window.__t0 === undefined) window.__t0 = performance.now(); },
                            {capture: true, once: true});
    const tick = () => {
        if (window.__t0 !== undefined && read() !== window.__before) { window.__t1 = performance.now(); return; }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""


# Timestamps of the rerun's websocket traffic, in the page's clock: the BackMsg the change sends and each
# ForwardMsg that arrives. Send -> last message (script finished) is the rerun as the websocket sees it.
WIRE = """(() => {
    const Orig = window.WebSocket; window.__in = []; window.__sent = undefined;
    window.WebSocket = function (...a) {
        const ws = new Orig(...a);
        ws.addEventListener('message', () => window.__in.push(performance.now()));
        const send = ws.send.bind(ws);
        ws.send = d => { if (window.__sent === undefined) window.__sent = performance.now(); return send(d); };
        return ws;
    };
    window.WebSocket.prototype = Orig.prototype; Object.assign(window.WebSocket, Orig);
})();"""


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # deep link
    watch: str  # CSS selector whose text changes
    ready: str  # selector that must exist before the first change
    prepare: Callable[[object, int], None]  # (page, i): focus the control (and type into it)
    key: Callable[[object, int], None]  # (page, i): the timed key press
    prefix: str = ""  # only the watched elements whose text starts so


def _lab_focus(page, i: int) -> None:
    dial = page.locator("input[aria-label='stride']")  # ui/lab/dials.js since 2026-12-07; a Streamlit slider before
    if dial.count():
        dial.first.focus()
    else:
        page.locator("[data-testid='stSlider']").filter(has_text="stride").first.locator("input[type='range']").focus()


def _lab_key(page, i: int) -> None:
    # 4 -> 3 -> 2 -> 3 -> 4 -> 5 -> 4 ...: new specs on the first pass, cached ones after
    page.keyboard.press("ArrowLeft" if (i // 2) % 2 == 0 else "ArrowRight")


def _arch_type(page, i: int) -> None:
    box = page.locator("[data-testid='stSidebar'] [data-testid='stNumberInput']").filter(
        has_text="Input size").locator("input")
    box.click()
    box.press("ControlOrMeta+a")
    # conv1's output grows by one per 4 px, so every figure changes; new sizes for the first 30 changes
    box.type(str(228 + 4 * (i % 30)))


def _enter(page, i: int) -> None:
    page.keyboard.press("Enter")


def _inside_open(page, i: int) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first.locator("input").click()
    page.keyboard.press("ArrowDown" if i % 20 < 10 else "ArrowUp")  # down 10 layers, back up, ...


def _tour_reset(page, i: int) -> None:
    reset = page.get_by_role("button", name="Back to the step's start")
    if reset.is_enabled():
        reset.click()
        page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                               "b => b.innerText.includes(\"Back to the step's start\") && b.disabled)")
        harness.wait_idle(page)
    page.get_by_role("button", name="Try this: Set conv1's stride to 2").focus()


TABLE = "[data-testid='stDataFrame'], .ax-table"  # the layer table: a data grid before 2026-12-07, plain HTML since

CASES = {
    "lab": Case("Layer Lab: conv1 stride dial (slider), arrow key", "/layer_lab?variant=torchvision&size=224",
                "[data-testid='stMetric']", TABLE, _lab_focus, _lab_key),
    "arch": Case("Architecture: sidebar input size, typed + Enter", "/architecture?variant=torchvision&size=224",
                 "[data-testid='stMetricValue']", TABLE, _arch_type, _enter),
    "inside": Case("Inside: feature-map layer, Enter on the next option, to the last figure (receptive field)",
                   "/inside?variant=torchvision&size=224",
                   # the receptive field's title: a plotly chart's before 2026-12-07, an inline SVG's since
                   "[data-testid='stPlotlyChart'] .gtitle, svg[aria-label^='receptive field'] > text",
                   "[data-testid='stPlotlyChart']", _inside_open, _enter, prefix="receptive field of"),
    "tour": Case("Tour step 2: 'Try this' (conv1 stride 2), Enter on the focused button", "/tour?step=2",
                 "[data-testid='stMetric']", TABLE, _tour_reset, _enter),
}


# The same change through Streamlit's own protocol (benchmarks/ws_client.py), no browser: (page, query, widget key,
# the two values it alternates between). The server's side of the change alone, on the same server.
PROTOCOL = {
    "lab": ("layer_lab", "variant=torchvision&size=224", LAB_DIALS, (lab_stride(3), lab_stride(4))),
    "arch": ("architecture", "variant=torchvision&size=224", "sb_size", (228, 232)),
    "inside": ("inside", "variant=torchvision&size=224", "inside_layer", ("conv2", "conv1")),
    "tour": ("tour", "step=2", "tour_try_2", (True, True)),
}


BEFORE = {LAB_DIALS: ("lab_0_s", (3, 4))}  # conv1's stride as a Streamlit slider, before the dials


def measure_protocol(url: str, name: str, changes: int) -> list[float]:
    """Change -> script finished over the websocket, in ms, for ``changes`` changes after one warm-up."""
    page, query, key, values = PROTOCOL[name]
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)

    async def run() -> list[float]:
        s = Session(host, int(port), page, query)
        await s.open()
        # an older tree: the same change through its widget
        k, vals = BEFORE[key] if key not in s.widgets and key in BEFORE else (key, values)
        out = []
        for i in range(changes + 1):
            r = await s.change(k, vals[i % 2])
            assert r.ok, r.errors
            if i:
                out.append(r.seconds * 1000)
        await s.close()
        return out

    return asyncio.run(run())


def measure(url: str, case: Case, changes: int) -> tuple[list[float], list[float]]:
    """(key press -> on screen, websocket send -> last message of the rerun) per change, in ms."""
    screen, wire = [], []
    with harness.browser_page(1400, 1000) as page:
        page.add_init_script(WIRE)
        page.goto(url + case.path)
        page.wait_for_selector(case.ready)
        harness.wait_idle(page)
        for i in range(changes + 1):  # the first change warms the path; it is not counted
            case.prepare(page, i)
            page.evaluate("() => { window.__in = []; window.__sent = undefined; }")
            page.evaluate(ARM, [case.watch, case.prefix])
            case.key(page, i)
            page.wait_for_function("() => window.__t1 !== undefined", timeout=60_000)
            harness.wait_idle(page)
            t0, t1, sent, arrived = page.evaluate("() => [window.__t0, window.__t1, window.__sent, window.__in]")
            if i:
                screen.append(t1 - t0)
                wire.append(max(arrived) - sent)
            assert page.locator("[data-testid='stException']").count() == 0, f"{case.name}: exception on page"
    return screen, wire


def line(label: str, xs: list[float]) -> str:
    return (f"{label}: median {statistics.median(xs):.0f} ms (min {min(xs):.0f}, max {max(xs):.0f}, "
            f"n={len(xs)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=12)
    ap.add_argument("--ref", help="an older commit to measure in the same sitting")
    ap.add_argument("--only", default=",".join(CASES))
    ap.add_argument("--server-arg", action="append", default=[], help="extra `streamlit run` flag")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    trees = {"new": ROOT}
    tmp = None
    if args.ref:
        tmp = tempfile.mkdtemp(prefix="bb_ref_")
        subprocess.run(["git", "worktree", "add", "--detach", tmp, args.ref], cwd=ROOT, check=True,
                       capture_output=True)
        trees = {"old": Path(tmp), "new": ROOT}
    try:
        results: dict[tuple[str, str], list[float]] = {}
        for name in names:
            for tree, root in trees.items():
                with harness.streamlit_server(cwd=root, extra_args=args.server_arg) as url:
                    results[(name, tree)], wire = measure(url, CASES[name], args.changes)
                    proto = measure_protocol(url, name, args.changes)
                print(line(f"{CASES[name].name} [{tree}]\n  key press -> on screen", results[(name, tree)]))
                print(line("  websocket in the browser: change sent -> the rerun's last message", wire))
                print(line("  protocol client, no browser: change -> script finished", proto), flush=True)
            if args.ref:
                new, old = (statistics.median(results[(name, t)]) for t in ("new", "old"))
                print(f"  ratio new/old of medians: {new / old:.2f}", flush=True)
    finally:
        if tmp:
            subprocess.run(["git", "worktree", "remove", "--force", tmp], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main()
