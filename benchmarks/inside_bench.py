"""Inside page speed: capture of every layer for one 224 px image, and page reruns after
switching layer or image (AppTest, the page run as a deep link).

Run: python -m benchmarks.inside_bench [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import torch

from alexnet_core.figures import inside_scene
from alexnet_core.figures.scene import to_svg
from alexnet_core.inside import (
    activations,
    images,
)
from alexnet_core.spec import presets
from alexnet_core.weights.source import WeightsSource, load
from ui import runtime

ROOT = Path(__file__).resolve().parents[1]


def ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1000:.1f} ms (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})"


def capture_times(n: int = 30) -> dict[str, list[float]]:
    spec = presets.get("torchvision").spec
    model = load(WeightsSource(), spec).model
    img = images.builtin("photo: china (scikit-learn)")
    x = images.preprocess(img, 224).tensor
    activations.capture(model, x)  # warm-up
    out: dict[str, list[float]] = {"capture": [], "preprocess+capture+stats": [], "plain forward": []}
    for _ in range(n):
        t = time.perf_counter()
        with torch.inference_mode():
            model(x)
        out["plain forward"].append(time.perf_counter() - t)
        t = time.perf_counter()
        activations.capture(model, x)
        out["capture"].append(time.perf_counter() - t)
        t = time.perf_counter()
        cap = activations.capture(model, images.preprocess(img, 224).tensor)  # as the page's cached capture does
        activations.layer_stats(cap)
        out["preprocess+capture+stats"].append(time.perf_counter() - t)
    t_maps = cap.outputs["conv1"]
    grid = []
    for _ in range(n):
        t = time.perf_counter()
        chans = activations.top_channels(t_maps, 16)
        to_svg(inside_scene.feature_grid_scene(activations.downsample(t_maps[chans], 48).numpy(), chans, False))
        grid.append(time.perf_counter() - t)
    out["grid figure (16 maps)"] = grid
    return out


def rerun_times(rounds: int = 3) -> dict[str, list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "inside.py"), default_timeout=180)
    at.query_params.update({"variant": "torchvision", "size": "224"})
    at.run()
    assert not at.exception, at.exception
    layers = at.selectbox(key="inside_layer").options
    out: dict[str, list[float]] = {"switch layer": [], "switch image (first visit)": [], "switch image (seen before)": []}
    for _ in range(rounds):
        for label in layers:
            t = time.perf_counter()
            at.selectbox(key="inside_layer").set_value(label).run()
            out["switch layer"].append(time.perf_counter() - t)
            assert not at.exception
    at.selectbox(key="inside_layer").set_value("conv1").run()
    names = images.builtin_names()
    for r in range(2):
        for name in names[1:] + names[:1]:
            t = time.perf_counter()
            at.selectbox(key="inside_image").set_value(name).run()
            out["switch image (first visit)" if r == 0 else "switch image (seen before)"].append(time.perf_counter() - t)
            assert not at.exception
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=runtime.server_threads(),
                    help="torch threads (the app server's setting: ALEXNET_SERVER_THREADS or 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"capture threads: {args.threads}; torch default threads: {torch.get_num_threads()}; "
          f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, xs in capture_times().items():
        print(f"{name:28s} {ms(xs)}")
    for name, xs in rerun_times().items():
        print(f"rerun, {name:21s} {ms(xs)}")


if __name__ == "__main__":
    main()
