"""The Layer Lab's flow plot as one inline SVG string: data in, text out (no Streamlit, no plotly).

A slider change redraws this plot. As a plotly chart the browser spent ~54 ms of plotly.js per change
on it (BENCHMARKS.md, instant feedback), more than half the 100 ms a change may take; an inline SVG of
a few dozen elements costs the browser about a millisecond. The same data as ``lab.flow_figure`` (the
model card keeps the interactive plotly version): the spatial side after the input and each conv and
pool (line, left axis) and its channels (bars, right axis). Hovering a bar or a point names its value
(SVG ``<title>``), and the SVG itself is slide-ready.
"""

from __future__ import annotations

from html import escape

from alexnet_core.arch.table import Summary
from alexnet_core.figures import style

SIZE_COLOUR = style.BLUE
CH_COLOUR = style.ORANGE
WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 46, 62, 34, 58  # room for the axes' ticks and titles, the legend and the layer names
FONT = "font-family:sans-serif;font-size:12px"


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


def _text(x: float, y: float, body: str, *, anchor: str = "middle", colour: str = style.INK,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}" style="{FONT}"{extra}>'
            f"{escape(body)}</text>")


def flow_svg(summary: Summary) -> str:
    """The plot as an ``<svg>`` element that scales to its container's width."""
    names, side, chans = flow_points(summary)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    side_top, chan_top = max(side) * 1.15 or 1, max(chans) * 1.15 or 1
    slot = plot_w / len(names)
    x = [LEFT + slot * (i + 0.5) for i in range(len(names))]

    def y_side(v: float) -> float:
        return TOP + plot_h * (1 - v / side_top)

    def y_chan(v: float) -> float:
        return TOP + plot_h * (1 - v / chan_top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
           f'aria-label="spatial side and channels after each layer">']
    for t in nice_ticks(side_top):  # left axis: side in px, with grid lines
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_side(t):.1f}" y2="{y_side(t):.1f}" '
                   f'stroke="{style.RULE}" stroke-width="1"/>')
        out.append(_text(LEFT - 4, y_side(t) + 4, f"{t}", anchor="end"))
    for t in nice_ticks(chan_top):  # right axis: channels
        out.append(_text(WIDTH - RIGHT + 4, y_chan(t) + 4, f"{t:,}", anchor="start"))
    out.append(_text(12, TOP + plot_h / 2, "side (px)", extra=f' transform="rotate(-90 12 {TOP + plot_h / 2:.1f})"'))
    mid_r = WIDTH - 16
    out.append(_text(mid_r, TOP + plot_h / 2, "channels", extra=f' transform="rotate(90 {mid_r} {TOP + plot_h / 2:.1f})"'))
    bar_w = slot * 0.7
    for xi, name, c in zip(x, names, chans, strict=True):
        top = y_chan(c)
        out.append(f'<rect x="{xi - bar_w / 2:.1f}" y="{top:.1f}" width="{bar_w:.1f}" height="{TOP + plot_h - top:.1f}" '
                   f'fill="{CH_COLOUR}" fill-opacity="0.5"><title>{escape(name)}: {c:,} channels</title></rect>')
        if TOP + plot_h - top > 18:  # the count inside the bar's top, where the line seldom runs
            out.append(_text(xi, top + 14, f"{c:,}", colour=style.TEXT))
        out.append(_text(xi, HEIGHT - BOTTOM + 14, name, anchor="end",
                         extra=f' transform="rotate(-35 {xi:.1f} {HEIGHT - BOTTOM + 14:.1f})"'))
    points = " ".join(f"{xi:.1f},{y_side(s):.1f}" for xi, s in zip(x, side, strict=True))
    out.append(f'<polyline points="{points}" fill="none" stroke="{SIZE_COLOUR}" stroke-width="3"/>')
    for xi, name, s in zip(x, names, side, strict=True):
        out.append(f'<circle cx="{xi:.1f}" cy="{y_side(s):.1f}" r="4" fill="{SIZE_COLOUR}">'
                   f"<title>{escape(name)}: {s}×{s} px</title></circle>")
        out.append(_text(xi + 5, y_side(s) - 7, f"{s}", anchor="start", colour=SIZE_COLOUR))
    out += [f'<rect x="{LEFT}" y="8" width="14" height="10" fill="{CH_COLOUR}" fill-opacity="0.5"/>',
            _text(LEFT + 18, 17, "channels (right axis)", anchor="start"),
            f'<line x1="{LEFT + 160}" x2="{LEFT + 180}" y1="13" y2="13" stroke="{SIZE_COLOUR}" stroke-width="3"/>',
            _text(LEFT + 184, 17, "spatial side, px (left axis)", anchor="start"),
            "</svg>"]
    return "".join(out)
