"""The Inside pictures a layer switch redraws, as Scenes: the feature-map grid and a unit's receptive
field on the input. Inline SVG on the page, PNG or SVG as a file (scene.py); plotly.js spent ~50 ms of
the browser per figure per change (BENCHMARKS.md, instant feedback). The enlarged channel stays a plotly
chart: its units are clicked.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
from PIL import Image
from plotly.colors import sequential

from alexnet_core.figures import style
from alexnet_core.figures.inside import per_map_scaled
from alexnet_core.figures.scene import Picture, Rect, Scene, Text
from alexnet_core.inside.activations import Box

# The activation colour scale (style.HEATMAP, Viridis) as RGB stops, evenly spaced over [0, 1].
STOPS = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in getattr(sequential, style.HEATMAP)],
                 dtype=np.float64)
GRID_WIDTH = 720  # drawing units; inline it follows the column's width (scene.INLINE_MAX)
RF_SIDE = 260  # about the width of a third of the page: the title stays readable
GAP, LABEL = 6, 15  # between rows of tiles; the band above each tile holding its channel
MAX_TILE = 110  # a tile's widest, in drawing units: one or two maps do not fill the page


def colourise(z: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (NaN as 0) -> uint8 RGB on the activation scale, linear between its stops."""
    pos = np.nan_to_num(np.clip(z, 0.0, 1.0)) * (len(STOPS) - 1)
    lo = np.minimum(np.floor(pos).astype(np.int64), len(STOPS) - 2)
    t = (pos - lo)[..., None]
    return (STOPS[lo] * (1 - t) + STOPS[lo + 1] * t).round().astype(np.uint8)


def png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def photo(rgb: np.ndarray) -> bytes:
    """A photograph (the network's input) as JPEG: a fifth of a PNG's bytes, sent on every layer switch."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=88)
    return buf.getvalue()


def scaled(maps: np.ndarray, shared_scale: bool) -> tuple[np.ndarray, float, float]:
    """(maps in [0, 1], the low and high ends): one scale for all, or each map to its own min-max
    (then the ends are 0 and 1). A constant map, or a constant set, becomes 0."""
    if not shared_scale:
        return per_map_scaled(maps), 0.0, 1.0
    lo, hi = float(maps.min()), float(maps.max())
    return ((maps - lo) / (hi - lo) if hi > lo else np.zeros_like(maps)), lo, hi


def feature_grid_scene(maps: np.ndarray, channels: Sequence[int], shared_scale: bool, cols: int = 8) -> Scene:
    """(N, h, w) maps as tiles, row-major, each under its channel's number, with the colour bar below. A
    row of tiles is one PNG with a transparent pixel between tiles (one encoding a row, not one a tile);
    a transparent box over each tile carries its tooltip. Tiles are at most MAX_TILE units wide."""
    n, h, w = maps.shape
    cols = max(1, min(cols, n))
    z, lo, hi = scaled(maps.astype(np.float64), shared_scale)
    k = min(GRID_WIDTH / (cols * (w + 1) - 1), MAX_TILE / w)  # drawing units per pixel
    tw, th = w * k, h * k
    items: list = []
    for r in range(math.ceil(n / cols)):
        y = r * (th + LABEL + GAP)
        row = range(r * cols, min(n, (r + 1) * cols))
        strip = np.zeros((h, len(row) * (w + 1) - 1, 4), np.uint8)  # RGBA, clear between tiles
        tips = []
        for c, i in enumerate(row):
            strip[:, c * (w + 1):c * (w + 1) + w, :3] = colourise(z[i])
            strip[:, c * (w + 1):c * (w + 1) + w, 3] = 255
            items.append(Text(c * (tw + k), y + LABEL - 4, f"ch {channels[i]}", size=11))
            tips.append(Rect(c * (tw + k), y + LABEL, tw, th, style.INK, opacity=0.0,
                             title=f"ch {channels[i]}: min {maps[i].min():.3g}, max {maps[i].max():.3g}"))
        items += [Picture(0, y + LABEL, strip.shape[1] * k, th, png(strip)), *tips]  # the boxes over the tiles
    bar_y = math.ceil(n / cols) * (th + LABEL + GAP) + 2
    bar_w = min(GRID_WIDTH, 260.0)
    items.append(Picture(0, bar_y, bar_w, 10, png(colourise(np.linspace(0, 1, 256)[None, :])), smooth=True))
    ends = (f"{lo:.3g}", f"{hi:.3g}") if shared_scale else ("each map's min", "its max")
    items += [Text(0, bar_y + 24, ends[0], size=11), Text(bar_w, bar_y + 24, ends[1], anchor="end", size=11),
              Text(bar_w + 10, bar_y + 9, "one scale for all maps" if shared_scale else "each map stretched "
                   "to its own min–max", size=11, colour=style.INK)]
    width = max((cols * (w + 1) - 1) * k, bar_w + 230)  # room for the colour bar's caption
    return Scene(math.ceil(width), math.ceil(bar_y + 30), tuple(items),
                 label=f"feature maps of {n} channels, {h}×{w} each")


def rf_scene(image_png: bytes, height: int, width: int, box: Box, title: str) -> Scene:
    """The network's input (``image_png``, PNG or JPEG, ``height``×``width`` pixels) with a unit's receptive field
    drawn on it, under ``title``."""
    s = RF_SIDE / max(height, width)
    top = 24
    x0, x1 = (min(max(v, 0.0), width) * s for v in (box.x0, box.x1))
    y0, y1 = (min(max(v, 0.0), height) * s for v in (box.y0, box.y1))
    items = (Text(0, 16, title, size=11), Picture(0, top, width * s, height * s, image_png, smooth=True),
             Rect(x0, top + y0, x1 - x0, y1 - y0, style.HIGHLIGHT, opacity=style.HIGHLIGHT_OPACITY, stroke=style.HIGHLIGHT,
                  stroke_width=3))
    return Scene(round(max(width * s, 1)), round(top + height * s), items, label=title)
