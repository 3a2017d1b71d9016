"""Figures for the Inside page: pure functions, arrays in, go.Figure (or uint8 image) out.

Speed matters here (every click reruns the page): the enlarged channel is ONE heatmap, and figures skip
plotly's validation (style.figure). The feature-map grid and the receptive field, which every layer
switch redraws, are Scenes (inside_scene.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from alexnet_core.figures import style
from alexnet_core.figures.style import HEATMAP, HIGHLIGHT, figure, margins
from alexnet_core.inside.activations import LayerStats

# ---------------------------------------------------------------- feature maps


def per_map_scaled(maps: np.ndarray) -> np.ndarray:
    """Each map stretched to [0, 1] on its own (a constant map becomes 0)."""
    lo = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (maps - lo) / np.where(span > 0, span, 1), 0.0).astype(np.float32)


def channel_figure(m: np.ndarray, rows: np.ndarray, cols: np.ndarray, title: str,
                   selected: tuple[int, int] | None = None) -> go.Figure:
    """One channel enlarged; invisible markers over each cell make units clickable.

    ``rows``/``cols`` give the real unit index of each displayed row/column (after downsampling)."""
    h, w = m.shape
    yy, xx = np.mgrid[0:h, 0:w]
    custom = np.stack([rows[yy.ravel()], cols[xx.ravel()]], axis=1)
    heat = go.Heatmap(z=m, colorscale=HEATMAP, colorbar=dict(thickness=10),
                      hovertemplate="value %{z:.3g}<extra></extra>")
    dots = go.Scatter(x=xx.ravel(), y=yy.ravel(), mode="markers", customdata=custom,
                      marker=dict(size=max(4, 360 // max(h, w)), color="rgba(0,0,0,0)", symbol="square"),
                      hovertemplate="unit (row %{customdata[0]}, col %{customdata[1]})<extra>click for its RF</extra>",
                      showlegend=False)
    shapes = []
    if selected is not None:
        r = int(np.searchsorted(rows, selected[0], side="right") - 1)
        c = int(np.searchsorted(cols, selected[1], side="right") - 1)
        shapes.append(dict(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                           line=dict(color=HIGHLIGHT, width=2)))
    layout = dict(title=title, height=420, margin=margins(t=35, side=5, b=5), shapes=shapes,
                  xaxis=dict(visible=False, constrain="domain"),
                  yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
                  clickmode="event+select", dragmode=False)
    return figure([heat, dots], layout)



# ---------------------------------------------------------------- statistics


def stats_figure(stats: Sequence[LayerStats], highlight: str | None = None) -> go.Figure:
    """Mean, std and max per layer (left axis) and the fraction of zeros (right axis, dashed)."""
    x = [s.label for s in stats]
    data = [
        go.Scatter(x=x, y=[s.mean for s in stats], name="mean", mode="lines+markers"),
        go.Scatter(x=x, y=[s.std for s in stats], name="std", mode="lines+markers"),
        go.Scatter(x=x, y=[s.max for s in stats], name="max", mode="lines+markers"),
        go.Scatter(x=x, y=[s.zeros for s in stats], name="fraction zeros", mode="lines+markers",
                   yaxis="y2", line=dict(dash="dash", color=style.INK)),
    ]
    shapes = []
    if highlight in x:
        shapes.append(dict(type="line", x0=highlight, x1=highlight, y0=0, y1=1, yref="paper",
                           line=dict(color=HIGHLIGHT, width=1)))
    layout = dict(height=340, margin=margins(t=10), shapes=shapes, yaxis=dict(title="value"),
                  yaxis2=style.fraction_axis(), legend=dict(orientation="h", y=1.12), hovermode="x unified")
    return figure(data, layout)


def histogram_figure(counts: np.ndarray, edges: np.ndarray, label: str) -> go.Figure:
    centres = (edges[:-1] + edges[1:]) / 2
    bar = go.Bar(x=centres, y=counts, width=float(edges[1] - edges[0]), marker_color=style.BLUE,
                 hovertemplate="%{x:.3g}: %{y:,.0f} values<extra></extra>")
    layout = dict(height=300, margin=margins(t=35), title=f"values in {label}",
                  yaxis=dict(type="log", title="count"), xaxis=dict(title="activation"), bargap=0)
    return figure([bar], layout)


# ---------------------------------------------------------------- filters


def filter_tiles(weight: np.ndarray, cols: int = 8, scale: int = 4) -> np.ndarray:
    """conv1 weights (O, I, k, k) -> uint8 RGB mosaic; each filter min-max scaled on its own.

    Three input channels show as colour; any other count as the grey mean over channels."""
    o, i, k, _ = weight.shape
    w = weight.astype(np.float32)
    rgb = w[:, :3] if i == 3 else np.repeat(w.mean(1, keepdims=True), 3, axis=1)
    lo = rgb.min(axis=(1, 2, 3), keepdims=True)
    span = np.maximum(rgb.max(axis=(1, 2, 3), keepdims=True) - lo, 1e-12)
    norm = ((rgb - lo) / span).transpose(0, 2, 3, 1)  # (O, k, k, 3)
    img = style.to_uint8(style.mosaic(norm, min(cols, o), fill=1.0))  # white between filters
    return img.repeat(scale, 0).repeat(scale, 1)


def thumbnail(image: np.ndarray, max_side: int = 256) -> np.ndarray:
    """A small copy for display: the browser never needs the full original."""
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    return np.asarray(Image.fromarray(image).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                                    Image.BILINEAR))


def saliency_overlay(image: np.ndarray, sal: np.ndarray, alpha: float = 0.75) -> np.ndarray:
    """Red where the top class's logit is most sensitive to the pixel, over a dimmed input."""
    base = image.astype(np.float32) * 0.55
    s = sal[..., None].astype(np.float32) ** 0.7
    red = np.array([255.0, 30.0, 30.0], dtype=np.float32)
    return np.clip(base * (1 - alpha * s) + red * alpha * s, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- activation functions


def activation_curves_figure(x: np.ndarray, curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> go.Figure:
    """f(x) on the left, f'(x) on the right, for each activation."""
    data = []
    for n, (name, (y, dy)) in enumerate(curves.items()):
        col = style.colour(n)
        data.append(go.Scatter(x=x, y=y, name=name, line=dict(color=col), legendgroup=name))
        data.append(go.Scatter(x=x, y=dy, name=f"{name}'", line=dict(color=col, dash="dot"),
                               legendgroup=name, xaxis="x2", yaxis="y2", showlegend=False))
    layout = dict(height=300, margin=margins(), legend=dict(orientation="h", y=-0.15),
                  **style.two_panels("f(x)", "f′(x)", title_y=1.1))
    return figure(data, layout)


def activation_compare_figure(per_act: dict[str, Sequence[LayerStats]]) -> go.Figure:
    """For each activation function: mean and fraction of zeros after each activation layer."""
    data = []
    for j, (name, stats) in enumerate(per_act.items()):
        x = [f"act {i + 1}" for i in range(len(stats))]
        col = style.colour(j)  # an activation's bars and its zeros line share one colour
        data.append(go.Bar(x=x, y=[s.mean for s in stats], name=f"{name}: mean", legendgroup=name,
                           marker_color=col))
        data.append(go.Scatter(x=x, y=[s.zeros for s in stats], name=f"{name}: zeros", yaxis="y2",
                               mode="lines+markers", legendgroup=name, line=dict(color=col)))
    layout = dict(height=320, margin=margins(t=10), barmode="group", yaxis=dict(title="mean activation"),
                  yaxis2=style.fraction_axis(), legend=dict(orientation="h", y=1.15))
    return figure(data, layout)
