"""The one look of every figure: palette, fonts, margins, side-by-side panels and the tile mosaic.

Figure modules take their colours and layout pieces from here, so two pages never draw the
same idea in two colours. Figures skip plotly's validation: the builders are tested, and a
rerun should not pay for checking them again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

# Vega's category colours, in order: series i takes PALETTE[i] (see colour()).
PALETTE = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6", "#9D755D")
BLUE, ORANGE = PALETTE[0], PALETTE[1]  # parameters / channels / train; mult-adds / side / test
HIGHLIGHT = "#D62728"  # the one thing pointed at: a window, a receptive field, the chosen layer
HIGHLIGHT_OPACITY = 0.15  # of its fill, over what it marks
HIGHLIGHT_FILL = f"rgba({int(HIGHLIGHT[1:3], 16)}, {int(HIGHLIGHT[3:5], 16)}, {int(HIGHLIGHT[5:7], 16)}, {HIGHLIGHT_OPACITY})"
MUTED = "#BBBBBB"  # background detail, such as per-step training points
INK = "#555555"  # thin marks and secondary lines
TEXT = "#222222"  # body text of an HTML figure (the model card)
TEXT_SOFT = "#444444"  # a table's totals rule
RULE = "#DDDDDD"  # table rules
PANEL = "#F5F5F5"  # a code block's background
ON_BAR = "#FFFFFF"  # a label printed inside a filled bar
HEATMAP = "Viridis"  # values on a continuous scale (activations)
# A padded input drawn cell by cell: the input, its padding, rows no window reaches (blue, grey, red).
INPUT_CELL, PAD_CELL, DROPPED_CELL = "#E8EEF6", "#C9C9C9", "#F2B8B5"

TITLE_FONT = dict(size=14)
SMALL_FONT = dict(size=10)

GAP = 1  # blank pixels between tiles in a mosaic


def colour(i: int) -> str:
    """The i-th series' colour (the palette repeats after eight)."""
    return PALETTE[i % len(PALETTE)]


def figure(data: list, layout: dict[str, Any]) -> go.Figure:
    """A figure in the house palette (series without a colour of their own take it in order)."""
    return go.Figure(data=data, layout={"colorway": list(PALETTE), **layout}, skip_invalid=False, _validate=False)


def margins(t: int = 40, side: int = 10, b: int = 10) -> dict[str, int]:
    return dict(l=side, r=side, t=t, b=b)


def fraction_axis(title: str = "fraction zeros") -> dict[str, Any]:
    """A right-hand axis from 0 to 100 % over a left-hand one (y2 over y)."""
    return dict(title=title, overlaying="y", side="right", range=[0, 1], tickmode="linear", tick0=0, dtick=0.25,
                tickformat=".0%", showgrid=False)


def two_panels(left: str, right: str, title_y: float = 1.08, **axes: dict[str, Any]) -> dict[str, Any]:
    """Layout pieces for two plots side by side (x/y on the left, x2/y2 on the right), each titled above.

    Drawn by hand: make_subplots costs ~80 ms, more than a slider rerun may spend. ``axes`` adds
    settings per axis, e.g. ``xaxis=dict(title="epoch")``."""
    base = dict(xaxis=dict(domain=[0, 0.46]), xaxis2=dict(domain=[0.54, 1], anchor="y2"),
                yaxis=dict(anchor="x"), yaxis2=dict(anchor="x2"))
    for name, extra in axes.items():
        base[name] = {**base[name], **extra}
    titles = [dict(text=t, x=x, y=title_y, xref="paper", yref="paper", showarrow=False)
              for t, x in ((left, 0.23), (right, 0.77)) if t]
    return {**base, "annotations": titles}


# ---------------------------------------------------------------- tile mosaic


def tile_origin(i: int, cols: int, h: int, w: int, *, gap: int = GAP, pad: int = 0) -> tuple[int, int]:
    """(row, column) of tile i's top-left pixel in a mosaic ``cols`` tiles wide."""
    r, c = divmod(i, cols)
    return pad + r * (h + gap), pad + c * (w + gap)


def mosaic(tiles: np.ndarray, cols: int, *, gap: int = GAP, pad: int = 0, fill: float = np.nan) -> np.ndarray:
    """(N, h, w) or (N, h, w, C) tiles -> one float32 image, row-major, ``gap`` pixels between tiles and
    ``pad`` around them all; blank pixels hold ``fill`` (NaN shows as a gap in a heatmap)."""
    n, h, w = tiles.shape[:3]
    rows = math.ceil(n / cols)
    out = np.full((2 * pad + rows * (h + gap) - gap, 2 * pad + cols * (w + gap) - gap, *tiles.shape[3:]), fill,
                  dtype=np.float32)
    for i in range(n):
        y, x = tile_origin(i, cols, h, w, gap=gap, pad=pad)
        out[y:y + h, x:x + w] = tiles[i]
    return out


def tile_labels(texts: list[str], cols: int, h: int, w: int, *, gap: int = GAP, pad: int = 0) -> list[dict]:
    """One caption in each tile's top-left corner, light on dark so it reads over any image."""
    out = []
    for i, text in enumerate(texts):
        y, x = tile_origin(i, cols, h, w, gap=gap, pad=pad)
        out.append(dict(x=x - 0.5, y=y - 0.5, text=text, showarrow=False, xanchor="left", yanchor="top",
                        font=dict(SMALL_FONT, color="white"), bgcolor="rgba(0, 0, 0, 0.45)", xref="x", yref="y"))
    return out


def to_uint8(img: np.ndarray) -> np.ndarray:
    """An image in [0, 1] as 8-bit pixels."""
    return (img * 255).round().astype(np.uint8)
