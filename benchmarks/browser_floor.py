"""The floor under issue 10's targets: key press -> changed value on screen for the smallest Streamlit app.

Run: python -m benchmarks.browser_floor [--changes 12] [--rounds 2]

A one-slider, one-metric app (the slider inside an st.fragment, as the Layer Lab's is) is written to a temp
folder with this repo's .streamlit/config.toml, and timed with browser_bench's own clock (keydown -> the
first animation frame showing the new metric), in the same Chromium, next to the real Layer Lab on a server
of this repo. Variants of the small app show what the page around it costs:
- bare: the slider and the metric alone;
- +20 widgets and a 22-row dataframe in the fragment (about what the Lab redraws on a change);
- +this repo's server settings (ui/runtime.configure_once: Nagle off, wake-ups coalesced, the gate, torch);
- with Streamlit's default post-run GC (runner.postScriptGC = true), torch imported.
Rounds alternate the variants, so each ratio is measured under the same load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks import browser_bench as bb
from tests.e2e import harness

ROOT = Path(__file__).resolve().parents[1]

APP = '''
import os, sys
import streamlit as st
sys.path.insert(0, os.environ["REPO"])
if os.environ.get("SERVER_SETTINGS") == "1":
    from ui import runtime
    runtime.configure_once()
if os.environ.get("TORCH") == "1":
    import torch  # noqa: F401


@st.fragment
def body():
    v = st.slider("stride", 1, 8, 4, key="s")
    st.metric("Mult-adds", f"{1000 * v:,}")
    if os.environ.get("MORE") == "1":
        for i in range(20):
            [st.slider, st.number_input, st.checkbox, st.selectbox][i % 4](
                f"m{i}", *([1, 8] if i % 4 == 0 else []), *([[1, 2, 3]] if i % 4 == 3 else []), key=f"m{i}")
        import pandas as pd
        st.dataframe(pd.DataFrame({"a": range(22), "b": [v * i for i in range(22)]}), height=36 + 35 * 22)


body()
'''

VARIANTS = {
    "small app, bare": {},
    "small app + 20 widgets + a dataframe": {"MORE": "1"},
    "small app + this repo's server settings": {"SERVER_SETTINGS": "1"},
    "small app, Streamlit's post-run GC on, torch imported": {"TORCH": "1", "GC": "1"},
}


def _focus(page, i: int) -> None:
    page.locator("[data-testid='stMain'] input[type='range']").first.focus()


SMALL = bb.Case("small app", "/", "[data-testid='stMetric']", "[data-testid='stMetric']", _focus, bb._lab_key)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--changes", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="floor_"))
    (folder / "app.py").write_text(APP)
    (folder / ".streamlit").mkdir()
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    gc_on = folder / "gc_on"
    gc_on.mkdir()
    (gc_on / "app.py").write_text(APP)
    (gc_on / ".streamlit").mkdir()
    (folder / ".streamlit" / "config.toml").write_text(config)
    (gc_on / ".streamlit" / "config.toml").write_text(config.replace("postScriptGC = false", "postScriptGC = true"))
    results: dict[str, list[float]] = {}
    try:
        for _ in range(args.rounds):
            for name, env in VARIANTS.items():
                cwd = gc_on if env.get("GC") else folder
                with harness.streamlit_server(env={**os.environ, "REPO": str(ROOT), **env}, cwd=cwd) as url:
                    results.setdefault(name, []).extend(bb.measure(url, SMALL, args.changes)[0])
            with harness.streamlit_server() as url:
                results.setdefault("Layer Lab (this repo)", []).extend(bb.measure(url, bb.CASES["lab"], args.changes)[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, xs in results.items():
        print(bb.line(f"{name}: key press -> on screen", xs), flush=True)


if __name__ == "__main__":
    main()
