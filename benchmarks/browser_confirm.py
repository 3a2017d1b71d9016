"""Does the websocket protocol client (benchmarks/ws_client.py) measure what real browsers see?

Run: python -m benchmarks.browser_confirm [--tabs 10] [--rounds 10]

One server, two loads of the same shape, one after the other:
- `--tabs` Chromium contexts (one session each) on /layer_lab?variant=torchvision&size=224; every ~2 s each
  presses an arrow key on conv1's stride slider, all at once. Each change is timed in the page's clock
  from the websocket send to the rerun's last message (the same span the protocol client times), and from
  the key press to the new figure on screen;
- `--tabs` protocol-client sessions on the same link, changing the same slider at the same moments.
Prints the median and p95 of both, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path

from benchmarks.browser_bench import ARM, CASES, WIRE
from benchmarks.ws_client import LAB_DIALS, Session, lab_stride
from tests.e2e import harness

CASE = CASES["lab"]


def cpu_seconds(match: str) -> float:
    """utime + stime of every process whose command line holds ``match`` (the server, or the browsers)."""
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if match not in (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                continue
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], q: float) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(q * len(ys)))]


def browsers(url: str, tabs: int, rounds: int, server: str) -> tuple[list[float], list[float], tuple[float, ...]]:
    """Per change: websocket send -> last message and key -> screen (ms); then (server CPU s, browsers' CPU s,
    wall s) over the counted rounds."""
    from playwright.sync_api import sync_playwright

    wire, screen = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS, headless=True)
        try:
            pages = []
            for _ in range(tabs):
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(120_000)
                page.add_init_script(WIRE)
                page.goto(url + CASE.path)
                page.wait_for_selector(CASE.ready)
                harness.wait_idle(page)
                pages.append(page)
            for r in range(rounds + 1):  # round 0 warms each session's path; it is not counted
                if r == 1:
                    cpu0 = (cpu_seconds(server), cpu_seconds("chrom"), time.monotonic())
                start = time.monotonic()
                for page in pages:
                    CASE.prepare(page, r)
                    page.evaluate("() => { window.__in = []; window.__sent = undefined; }")
                    page.evaluate(ARM, [CASE.watch, CASE.prefix])
                for page in pages:  # all tabs' keys go out together, as a class moving sliders at once
                    CASE.key(page, r)
                for page in pages:
                    page.wait_for_function("() => window.__t1 !== undefined")
                    harness.wait_idle(page)
                    t0, t1, sent, arrived = page.evaluate(
                        "() => [window.__t0, window.__t1, window.__sent, window.__in]")
                    if r:
                        wire.append(max(arrived) - sent)
                        screen.append(t1 - t0)
                    assert page.locator("[data-testid='stException']").count() == 0, "exception on the page"
                time.sleep(max(0.0, 2.0 - (time.monotonic() - start)))
            cpu = (cpu_seconds(server) - cpu0[0], cpu_seconds("chrom") - cpu0[1], time.monotonic() - cpu0[2])
        finally:
            browser.close()
    return wire, screen, cpu


async def protocol(port: int, tabs: int, rounds: int, server: str) -> tuple[list[float], tuple[float, ...]]:
    sessions = [Session("127.0.0.1", port, "layer_lab", CASE.path.split("?", 1)[1]) for _ in range(tabs)]
    for s in sessions:
        await s.open()
    out: list[float] = []
    strides = [4, 3, 2, 3]  # what the browser's arrow keys walk through, from conv1's 4
    for r in range(rounds + 1):
        if r == 1:
            cpu0 = (cpu_seconds(server), time.monotonic())
        start = time.monotonic()
        results = await asyncio.gather(*(s.change(LAB_DIALS, lab_stride(strides[(r + 1) % 4])) for s in sessions))
        if r:
            out.extend(res.seconds * 1000 for res in results)
            assert all(res.ok for res in results), [res.errors for res in results if not res.ok]
        await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - start)))
    cpu = (cpu_seconds(server) - cpu0[0], time.monotonic() - cpu0[1])
    for s in sessions:
        await s.close()
    return out, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tabs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    with harness.streamlit_server() as url:
        port = int(url.rsplit(":", 1)[1])
        server = f"server.port {port}"
        wire, screen, (srv_b, chrome, wall_b) = browsers(url, args.tabs, args.rounds, server)
        client, (srv_p, wall_p) = asyncio.run(protocol(port, args.tabs, args.rounds, server))
    n = len(wire)
    print(f"{args.tabs} Chromium tabs, {n} changes: websocket send -> last message median "
          f"{statistics.median(wire):.0f} ms, p95 {pct(wire, 0.95):.0f} ms; key press -> on screen median "
          f"{statistics.median(screen):.0f} ms, p95 {pct(screen, 0.95):.0f} ms")
    print(f"{args.tabs} protocol-client tabs, {len(client)} changes: change sent -> script finished median "
          f"{statistics.median(client):.0f} ms, p95 {pct(client, 0.95):.0f} ms")
    print(f"ratio protocol / browser websocket medians: {statistics.median(client) / statistics.median(wire):.2f}")
    print(f"server CPU per change: {srv_b / n * 1000:.1f} ms under the browsers, {srv_p / len(client) * 1000:.1f} ms "
          f"under the protocol client (ratio {srv_p / len(client) / (srv_b / n):.2f}); server CPU {srv_b / wall_b:.0%} "
          f"vs {srv_p / wall_p:.0%} of one core; the browsers used {chrome / wall_b:.0%} of one core (2 cores here)")


if __name__ == "__main__":
    main()
