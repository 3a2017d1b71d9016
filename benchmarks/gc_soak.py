"""Does the server's memory stay bounded without Streamlit's forced gc.collect(2) after every run?

Run: python -m benchmarks.gc_soak [--minutes 10] [--pages 3]

Two servers side by side, one with `runner.postScriptGC` true (Streamlit's default) and one with false
(this repo's config). Each gets the same Chromium pages: a Layer Lab (conv1 stride walks 1..16), an
Architecture page (the sidebar size walks 30 sizes, 228..344 px)
and an Inside page (the feature-map layer walks down and up), each changed in turn, as fast as the page
finishes. Every 10 s the script samples each server's RSS (/proc/PID/status). It prints RSS at 1 min and
at the end, their ratio, the peak, and the changes made; the two servers share the machine, so both see
the same load.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from benchmarks.browser_bench import CASES
from tests.e2e import harness


def rss_mb(port: str) -> float:
    pids = subprocess.run(["pgrep", "-f", f"server.port {port}"], capture_output=True, text=True).stdout.split()
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--pages", type=int, default=3, help="pages per server (cycling lab, arch, inside)")
    args = ap.parse_args()
    order = ["lab", "arch", "inside"]
    with harness.streamlit_server(extra_args=["--runner.postScriptGC=true"]) as on_url, \
            harness.streamlit_server(extra_args=["--runner.postScriptGC=false"]) as off_url, \
            harness.browser_page(1400, 1000) as first:
        browser = first.context.browser
        servers = {"postScriptGC=true": on_url, "postScriptGC=false": off_url}
        pages = []  # (server label, case, page, change counter)
        for label, url in servers.items():
            for j in range(args.pages):
                case = CASES[order[j % len(order)]]
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(120_000)
                page.goto(url + case.path)
                page.wait_for_selector(case.ready)
                harness.wait_idle(page)
                pages.append([label, case, page, 0])
        ports = {label: url.rsplit(":", 1)[1] for label, url in servers.items()}
        samples: dict[str, list[tuple[float, float]]] = {label: [] for label in servers}
        errors = {label: 0 for label in servers}
        start = next_sample = time.monotonic()
        while time.monotonic() - start < args.minutes * 60:
            for entry in pages:
                label, case, page, i = entry
                try:
                    case.prepare(page, i)
                    case.key(page, i)
                    harness.wait_idle(page)
                    if page.locator("[data-testid='stException']").count():
                        errors[label] += 1
                except Exception:  # a timeout counts as an error and the soak goes on
                    errors[label] += 1
                entry[3] = i + 1
            now = time.monotonic()
            if now >= next_sample:
                for label, port in ports.items():
                    samples[label].append((now - start, rss_mb(port)))
                next_sample += 10
        for label in servers:
            xs = samples[label]
            at1 = min(xs, key=lambda s: abs(s[0] - 60))
            end = xs[-1]
            changes = sum(e[3] for e in pages if e[0] == label)
            print(f"{label}: RSS at {at1[0]:.0f} s {at1[1]:.0f} MB, at {end[0]:.0f} s {end[1]:.0f} MB "
                  f"(ratio {end[1] / at1[1]:.3f}), peak {max(r for _, r in xs):.0f} MB; {changes} changes, "
                  f"{errors[label]} errors")
            print("  samples (s, MB): " + " ".join(f"{t:.0f}:{r:.0f}" for t, r in xs))


if __name__ == "__main__":
    main()
