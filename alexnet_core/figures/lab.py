"""plotly builders for the Layer Lab and Compare pages: data in, go.Figure out (no Streamlit).

Axes are laid out by hand: make_subplots costs ~80 ms, more than a slider rerun may spend.
Colours and layout pieces come from ``style``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from alexnet_core.arch.explain import Arith
from alexnet_core.arch.table import Summary
from alexnet_core.figures import style
from alexnet_core.figures.flow_svg import CH_COLOUR, SIZE_COLOUR, flow_points
from alexnet_core.figures.style import DROPPED_CELL, HIGHLIGHT, HIGHLIGHT_FILL, INPUT_CELL, PAD_CELL, figure, margins


def flow_figure(summary: Summary) -> go.Figure:
    """Spatial side (line, left axis) and channels (bars, right axis) after the input and each conv and pool.
    Interactive, for the model card; the Lab draws the same points as ``flow_svg``."""
    names, side, chans = flow_points(summary)
    data = [
        go.Bar(x=names, y=chans, name="channels", marker_color=CH_COLOUR, opacity=0.5, yaxis="y2",
               text=chans, textposition="inside", hovertemplate="%{x}: %{y:,} channels<extra></extra>"),
        go.Scatter(x=names, y=side, name="spatial side (px)", mode="lines+markers+text", text=side,
                   textposition="top right", line=dict(color=SIZE_COLOUR, width=3),
                   hovertemplate="%{x}: %{y}×%{y} px<extra></extra>"),
    ]
    layout = dict(
        height=320, margin=margins(t=30), legend=dict(orientation="h", y=1.14),
        yaxis=dict(title="side (px)", rangemode="tozero", range=[0, max(side) * 1.15]),
        yaxis2=dict(title="channels", overlaying="y", side="right", showgrid=False, tickformat=",d",
                    range=[0, max(chans) * 1.15]),
    )
    return figure(data, layout)


def arith_figure(a: Arith, position: int) -> go.Figure:
    """The padded input (padding shaded), the window at output ``position`` (row, and the same column)."""
    size = a.padded
    z = np.full((size, size), 0.35)  # padding
    z[a.p:a.p + a.n, a.p:a.p + a.n] = 0.0  # the real input
    if a.leftover:  # rows/cols no window reaches: the floor's leftover (input or padding alike)
        z[size - a.leftover:, :] = 0.7
        z[:, size - a.leftover:] = 0.7
    starts = a.starts()
    i = min(max(position, 0), len(starts) - 1) if starts else 0
    top = starts[i] if starts else 0
    data = [go.Heatmap(z=z, zmin=0, zmax=1, showscale=False, xgap=1, ygap=1, hoverinfo="skip",
                       colorscale=[[0, INPUT_CELL], [0.35, PAD_CELL], [0.7, DROPPED_CELL], [1, DROPPED_CELL]])]
    shapes = [dict(type="rect", x0=top - 0.5, x1=top + a.eff_k - 0.5, y0=top - 0.5, y1=top + a.eff_k - 0.5,
                   line=dict(color=HIGHLIGHT, width=3), fillcolor=HIGHLIGHT_FILL)]
    for s in starts:  # ticks where each window starts along the top edge
        shapes.append(dict(type="line", x0=s - 0.5, x1=s - 0.5, y0=-1.6, y1=-0.6, line=dict(color=style.INK, width=1)))
    layout = dict(
        height=440, margin=margins(), shapes=shapes,
        title=dict(text=f"window {i + 1} of {len(starts)}: rows {top}–{top + a.eff_k - 1} of {size} padded",
                   font=style.TITLE_FONT),
        xaxis=dict(showticklabels=False, range=[-0.5, size - 0.5], constrain="domain"),
        yaxis=dict(showticklabels=False, range=[size - 0.5, -1.8], scaleanchor="x"),
    )
    return figure(data, layout)


def compare_figure(names: list[str], summaries: list[Summary], quantity: str = "params") -> go.Figure:
    """Grouped bars per weighted layer, one colour per spec (quantity: 'params' or 'mult_adds')."""
    order: list[str] = []
    for s in summaries:
        for r in s.layers:
            if (r.params or r.mult_adds) and r.name not in order:
                order.append(r.name)
    data = []
    for j, (name, s) in enumerate(zip(names, summaries, strict=True)):
        by = {r.name: getattr(r, quantity) for r in s.layers}
        data.append(go.Bar(x=order, y=[by.get(n, 0) for n in order], name=name,
                           marker_color=style.colour(j),
                           hovertemplate=f"{name}<br>%{{x}}: %{{y:,}}<extra></extra>"))
    title = "parameters" if quantity == "params" else "mult-adds"
    layout = dict(barmode="group", height=360, margin=margins(),
                  title=dict(text=f"{title} per layer", font=style.TITLE_FONT), legend=dict(orientation="h", y=-0.15))
    return figure(data, layout)
