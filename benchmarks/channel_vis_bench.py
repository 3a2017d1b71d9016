"""What a channel wants: the time for one channel at the default settings (256 steps), per layer,
for torchvision's AlexNet at 224 px, with the torch threads the app server uses.

Run: python -m benchmarks.channel_vis_bench [--threads N] [--size 224] [--layers conv1,relu2,relu5]
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from alexnet_core.arch import budget
from alexnet_core.format import fmt_bytes
from alexnet_core.inside import channel_vis as V
from alexnet_core.spec import presets
from alexnet_core.weights.source import WeightsSource, load
from ui import runtime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=runtime.server_threads(),
                    help="torch threads (the app server's setting: ALEXNET_SERVER_THREADS or 1)")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--layers", default="relu1,relu2,relu3,relu5,pool5")
    ap.add_argument("--channel", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    spec = presets.get("torchvision").spec
    model = load(WeightsSource(), spec).model  # random weights: the same arithmetic as pretrained ones
    settings = V.Settings()
    held = budget.work_bytes(spec, args.size, work=budget.Work.GRADIENT)
    print(f"torchvision at {args.size} px, {settings.steps} steps (default settings), torch threads {args.threads}; "
          f"held in the ledger while it runs: {fmt_bytes(held)}; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    V.visualise(model, "relu1", args.channel, args.size, V.Settings(steps=4))  # warm-up
    for label in args.layers.split(","):
        t = time.perf_counter()
        r = V.visualise(model, label, args.channel, args.size, settings)
        dt = time.perf_counter() - t
        print(f"{label:6s} channel {args.channel}: {dt:6.2f} s ({dt / settings.steps * 1000:5.1f} ms/step); "
              f"channel mean {r.history[0]:.3g} -> {r.final:.3g}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
