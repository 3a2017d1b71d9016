"""Training figures: live curves of one run, several runs compared, an augmentation preview,
and a run's per-epoch snapshots (filters and feature maps, as the Inside page draws them).

Pure functions (data in, go.Figure, Scene or image out), so tests read the traces and shapes directly.
"""

from __future__ import annotations

import io

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw

from alexnet_core.figures import inside, inside_scene, style
from alexnet_core.figures.scene import Scene, to_image
from alexnet_core.figures.style import figure, margins
from alexnet_core.training.snapshots import Snapshot

Points = list[tuple[int, float, float]]  # (step, value, wall_time), as Store.metrics returns


def best_epoch(metrics: dict[str, Points], key: str = "epoch/test_acc") -> tuple[int, float] | None:
    """(epoch, value) of the highest test accuracy; ties go to the earliest epoch."""
    points = metrics.get(key) or []
    if not points:
        return None
    step, value, _ = max(points, key=lambda p: (p[1], -p[0]))
    return step, value


def run_curves(metrics: dict[str, Points], steps_per_epoch: int | None, mark_epoch: int | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs: per-step train points and per-epoch train/test;
    ``mark_epoch`` draws a line at that epoch on both panels (the snapshot shown beside them)."""
    spe = max(1, steps_per_epoch or 1)
    data: list[go.Scatter] = []
    for panel, (xa, ya) in (("loss", ("x", "y")), ("acc", ("x2", "y2"))):
        step_pts = metrics.get(f"step/train_{panel}", [])
        if step_pts:
            data.append(go.Scatter(x=[s / spe for s, _, _ in step_pts], y=[v for _, v, _ in step_pts],
                                   mode="lines", name=f"train {panel} (steps)", line=dict(color=style.MUTED, width=1),
                                   xaxis=xa, yaxis=ya, legendgroup="steps"))
        for split, colour in (("train", style.BLUE), ("test", style.ORANGE)):
            pts = metrics.get(f"epoch/{split}_{panel}", [])
            if pts:
                data.append(go.Scatter(x=[s for s, _, _ in pts], y=[v for _, v, _ in pts], mode="lines+markers",
                                       name=f"{split} {panel}", line=dict(color=colour), xaxis=xa, yaxis=ya))
    x_extra = {} if mark_epoch is None else dict(autorangeoptions=dict(include=[0]))  # epoch 0 is on the slider too
    panels = style.two_panels("", "", xaxis=dict(title="epoch", **x_extra), xaxis2=dict(title="epoch", **x_extra),
                              yaxis=dict(title="loss"), yaxis2=dict(title="accuracy", range=[0, 1]))
    shapes = [] if mark_epoch is None else epoch_marks(mark_epoch)
    return figure(data, dict(height=340, margin=margins(), legend=dict(orientation="h", y=-0.18), shapes=shapes,
                             **panels))


def epoch_marks(epoch: int) -> list[dict]:
    """A vertical line at ``epoch`` across each of the two panels."""
    return [dict(type="line", x0=epoch, x1=epoch, xref=xa, y0=0, y1=1, yref=f"{ya} domain",
                 line=dict(color=style.HIGHLIGHT, width=2, dash="dot")) for xa, ya in (("x", "y"), ("x2", "y2"))]


# ---------------------------------------------------------------- snapshots


def snapshot_filters(snap: Snapshot, cols: int = 16, scale: int = 4) -> np.ndarray:
    """The snapshot's conv1 filters as the Inside page shows them (uint8 RGB mosaic)."""
    return inside.filter_tiles(snap.filters.astype(np.float32), cols=cols, scale=scale)


def snapshot_maps(snap: Snapshot, cols: int = 8) -> Scene:
    """The probe's top maps at the snapshot's layer, as the Inside grid draws them (each map its own scale)."""
    return inside_scene.feature_grid_scene(snap.maps.astype(np.float32), snap.channels, shared_scale=False, cols=cols)


def snapshot_png(snap: Snapshot, title: str) -> bytes:
    """One epoch as a PNG: a title line, conv1's filters on the left, the probe's maps on the right (the
    training page's grid, drawn by the same Scene)."""
    filters = snapshot_filters(snap)
    maps = to_image(snapshot_maps(snap), scale=1)
    top, gap = 24, 16
    h = top + max(filters.shape[0], maps.height) + gap // 2
    canvas = Image.new("RGB", (gap + filters.shape[1] + gap + maps.width + gap, h), "white")
    canvas.paste(Image.fromarray(filters), (gap, top))
    canvas.paste(maps, (gap + filters.shape[1] + gap, top))
    ImageDraw.Draw(canvas).text((gap, 6), title, fill=(40, 40, 40))
    buf = io.BytesIO()
    canvas.save(buf, format="PNG")
    return buf.getvalue()


def compare_runs(runs: list[tuple[str, dict[str, Points]]], key: str = "epoch/test_acc") -> go.Figure:
    """One line per run for ``key`` against epochs; each run's best epoch marked with a star."""
    data: list[go.Scatter] = []
    for i, (name, metrics) in enumerate(runs):
        pts = metrics.get(key, [])
        colour = style.colour(i)
        data.append(go.Scatter(x=[s for s, _, _ in pts], y=[v for _, v, _ in pts], mode="lines+markers",
                               name=name, line=dict(color=colour), legendgroup=name))
        best = best_epoch(metrics, key)
        if best is not None:
            data.append(go.Scatter(x=[best[0]], y=[best[1]], mode="markers", name=f"{name}: best",
                                   marker=dict(symbol="star", size=14, color=colour, line=dict(width=1)),
                                   legendgroup=name, showlegend=False,
                                   hovertemplate=f"{name}<br>best: epoch %{{x}}, %{{y:.4f}}<extra></extra>"))
    layout = dict(height=360, margin=margins(t=30), xaxis=dict(title="epoch"),
                  yaxis=dict(title=key.split("/")[-1].replace("_", " ")), legend=dict(orientation="h", y=-0.2))
    return figure(data, layout)


def augment_grid(batch: torch.Tensor, labels: list[str], cols: int = 8) -> go.Figure:
    """A grid of images (N, C, H, W) in [0, 1] as one image trace, each captioned in its corner."""
    n, c, h, w = batch.shape
    rows = -(-n // cols)
    imgs = batch.clamp(0, 1)
    imgs = (imgs.expand(n, 3, h, w) if c == 1 else imgs[:, :3]).permute(0, 2, 3, 1).numpy()
    frame = dict(gap=2, pad=1)  # a white line round every image
    arr = style.to_uint8(style.mosaic(imgs, cols, fill=1.0, **frame))
    layout = dict(height=max(160, rows * 130), margin=margins(t=0, side=0, b=0),
                  annotations=style.tile_labels(labels[:n], cols, h, w, **frame),  # inside the tile: no overlaps
                  xaxis=dict(visible=False), yaxis=dict(visible=False))
    return figure([go.Image(z=arr, hoverinfo="skip")], layout)
