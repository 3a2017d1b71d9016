"""The Layer Lab's flow plot as one inline SVG string: data in, text out (no Streamlit, no plotly).

A slider change redraws this plot. As a plotly chart the browser spent ~54 ms of plotly.js per change
on it (BENCHMARKS.md, instant feedback), more than half the 100 ms a change may take; an inline SVG of
a few dozen elements costs the browser about a millisecond. The same data as ``lab.flow_figure`` (the
model card keeps the interactive plotly version): the spatial side after the input and each conv and
pool (line, left axis) and its channels (bars, right axis). Hovering a bar or a point names its value
(SVG ``<title>``). ``flow_scene`` holds the shapes, so the same plot also renders as a PNG (scene.py).
"""

from __future__ import annotations

from alexnet_core.arch.table import Summary
from alexnet_core.figures import style
from alexnet_core.figures.scene import Circle, Item, Line, Polyline, Rect, Scene, Text, to_svg

SIZE_COLOUR = style.BLUE
CH_COLOUR = style.ORANGE
WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 46, 62, 34, 58  # room for the axes' ticks and titles, the legend and the layer names


def flow_points(summary: Summary) -> tuple[list[str], list[int], list[int]]:
    """(names, spatial sides, channels) after the input and each conv and pool: what the plot draws."""
    rows = [r for r in summary.layers if r.type in ("Conv2d", "MaxPool2d", "AdaptiveAvgPool2d")]
    names = ["input"] + [r.name for r in rows]
    side = [summary.input_shape[2]] + [r.output_shape[2] for r in rows]
    chans = [summary.input_shape[1]] + [r.output_shape[1] for r in rows]
    return names, side, chans


def nice_ticks(top: float, count: int = 4) -> list[int]:
    """Round tick values from 0 up to at most ``top`` (1, 2 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0]
    raw = top / count
    step = 1
    while step * 10 <= raw:
        step *= 10
    for m in (1, 2, 5, 10):
        if step * m >= raw:
            step *= m
            break
    return list(range(0, int(top) + 1, step))


def flow_scene(summary: Summary) -> Scene:
    """The plot as shapes: ``flow_svg`` draws them inline, ``scene.to_png`` for a slide."""
    names, side, chans = flow_points(summary)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    side_top, chan_top = max(side) * 1.15 or 1, max(chans) * 1.15 or 1
    slot = plot_w / len(names)
    x = [LEFT + slot * (i + 0.5) for i in range(len(names))]
    base, mid = TOP + plot_h, TOP + plot_h / 2

    def y_side(v: float) -> float:
        return TOP + plot_h * (1 - v / side_top)

    def y_chan(v: float) -> float:
        return TOP + plot_h * (1 - v / chan_top)

    items: list[Item] = []
    for t in nice_ticks(side_top):  # left axis: side in px, with grid lines
        items += [Line(LEFT, y_side(t), WIDTH - RIGHT, y_side(t), style.RULE),
                  Text(LEFT - 4, y_side(t) + 4, f"{t}", "end")]
    items += [Text(WIDTH - RIGHT + 4, y_chan(t) + 4, f"{t:,}") for t in nice_ticks(chan_top)]  # right axis
    items += [Text(12, mid, "side (px)", "middle", rotate=-90), Text(WIDTH - 16, mid, "channels", "middle", rotate=90)]
    bar_w = slot * 0.7
    for xi, name, c, s in zip(x, names, chans, side, strict=True):
        top = y_chan(c)
        items.append(Rect(xi - bar_w / 2, top, bar_w, base - top, CH_COLOUR, 0.5, f"{name}: {c:,} channels"))
        # The count inside the bar's top, else lower in the bar, else above it: wherever the line's point is not.
        spots = [y for y in (top + 14, y_side(s) + 24) if top + 14 <= y <= base - 4] + [top - 4]
        free = [y for y in spots if not y_side(s) - 20 < y < y_side(s) + 16]
        if free:
            items.append(Text(xi, free[0], f"{c:,}", "middle", style.TEXT))
        items.append(Text(xi, HEIGHT - BOTTOM + 14, name, "end", rotate=-35))
    items.append(Polyline(tuple((xi, y_side(s)) for xi, s in zip(x, side, strict=True)), SIZE_COLOUR, 3))
    for xi, name, s in zip(x, names, side, strict=True):
        items += [Circle(xi, y_side(s), 4, SIZE_COLOUR, f"{name}: {s}×{s} px"),
                  Text(xi + 5, y_side(s) - 7, f"{s}", colour=SIZE_COLOUR)]
    items += [Rect(LEFT, 8, 14, 10, CH_COLOUR, 0.5), Text(LEFT + 18, 17, "channels (right axis)"),
              Line(LEFT + 160, 13, LEFT + 180, 13, SIZE_COLOUR, 3), Text(LEFT + 184, 17, "spatial side, px (left axis)")]
    return Scene(WIDTH, HEIGHT, tuple(items), "spatial side and channels after each layer")


def flow_svg(summary: Summary) -> str:
    """The plot as an ``<svg>`` element that scales to its container's width."""
    return to_svg(flow_scene(summary))
