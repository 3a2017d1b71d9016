"""Training figures: live curves of one run, several runs compared, an augmentation preview.

Pure functions (data in, go.Figure out), so tests read the traces directly.
"""

from __future__ import annotations

import plotly.graph_objects as go
import torch

Points = list[tuple[int, float, float]]  # (step, value, wall_time), as Store.metrics returns
PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D"]


def best_epoch(metrics: dict[str, Points], key: str = "epoch/test_acc") -> tuple[int, float] | None:
    """(epoch, value) of the highest test accuracy; ties go to the earliest epoch."""
    points = metrics.get(key) or []
    if not points:
        return None
    step, value, _ = max(points, key=lambda p: (p[1], -p[0]))
    return step, value


def run_curves(metrics: dict[str, Points], steps_per_epoch: int | None) -> go.Figure:
    """Loss (left) and accuracy (right) against epochs: per-step train points and per-epoch train/test."""
    spe = max(1, steps_per_epoch or 1)
    data: list[go.Scatter] = []
    for panel, (xa, ya) in (("loss", ("x", "y")), ("acc", ("x2", "y2"))):
        step_pts = metrics.get(f"step/train_{panel}", [])
        if step_pts:
            data.append(go.Scatter(x=[s / spe for s, _, _ in step_pts], y=[v for _, v, _ in step_pts],
                                   mode="lines", name=f"train {panel} (steps)", line=dict(color="#BBBBBB", width=1),
                                   xaxis=xa, yaxis=ya, legendgroup="steps"))
        for split, colour in (("train", PALETTE[0]), ("test", PALETTE[1])):
            pts = metrics.get(f"epoch/{split}_{panel}", [])
            if pts:
                data.append(go.Scatter(x=[s for s, _, _ in pts], y=[v for _, v, _ in pts], mode="lines+markers",
                                       name=f"{split} {panel}", line=dict(color=colour), xaxis=xa, yaxis=ya))
    layout = dict(
        height=340, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.18),
        xaxis=dict(domain=[0, 0.46], title="epoch"), xaxis2=dict(domain=[0.54, 1], anchor="y2", title="epoch"),
        yaxis=dict(anchor="x", title="loss"), yaxis2=dict(anchor="x2", title="accuracy", range=[0, 1]),
    )
    return go.Figure(data=data, layout=layout)


def compare_runs(runs: list[tuple[str, dict[str, Points]]], key: str = "epoch/test_acc") -> go.Figure:
    """One line per run for ``key`` against epochs; each run's best epoch marked with a star."""
    fig = go.Figure()
    for i, (name, metrics) in enumerate(runs):
        pts = metrics.get(key, [])
        colour = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(x=[s for s, _, _ in pts], y=[v for _, v, _ in pts], mode="lines+markers",
                                 name=name, line=dict(color=colour), legendgroup=name))
        best = best_epoch(metrics, key)
        if best is not None:
            fig.add_trace(go.Scatter(x=[best[0]], y=[best[1]], mode="markers", name=f"{name}: best",
                                     marker=dict(symbol="star", size=14, color=colour, line=dict(width=1)),
                                     legendgroup=name, showlegend=False,
                                     hovertemplate=f"{name}<br>best: epoch %{{x}}, %{{y:.4f}}<extra></extra>"))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="epoch",
                      yaxis_title=key.split("/")[-1].replace("_", " "), legend=dict(orientation="h", y=-0.2))
    return fig


def augment_grid(batch: torch.Tensor, labels: list[str], cols: int = 8) -> go.Figure:
    """A grid of images (N, C, H, W) in [0, 1] as one heatmap-free image trace, captions below."""
    n, c, h, w = batch.shape
    rows = -(-n // cols)
    canvas = torch.ones(3, rows * (h + 2), cols * (w + 2))
    for i in range(n):
        r, k = divmod(i, cols)
        img = batch[i].clamp(0, 1)
        img = img.expand(3, h, w) if c == 1 else img[:3]
        canvas[:, r * (h + 2) + 1: r * (h + 2) + 1 + h, k * (w + 2) + 1: k * (w + 2) + 1 + w] = img
    arr = (canvas.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    fig = go.Figure(go.Image(z=arr, hoverinfo="skip"))
    for i, label in enumerate(labels[:n]):
        r, k = divmod(i, cols)
        fig.add_annotation(x=k * (w + 2) + 1, y=r * (h + 2) + 1, text=label, showarrow=False,
                           font=dict(size=10, color="#D62728"), xanchor="left", yanchor="top",
                           bgcolor="rgba(255,255,255,0.75)")  # inside the tile: rows never overlap
    fig.update_layout(height=max(160, rows * 130), margin=dict(l=0, r=0, t=0, b=0),
                      xaxis=dict(visible=False), yaxis=dict(visible=False))
    return fig
