"""plotly figure builders: data in, go.Figure out. No Streamlit, so tests can read the data.

The page draws the same charts as inline SVG (``arch_scene``); both take their data from there."""

from __future__ import annotations

import plotly.graph_objects as go

from alexnet_core.arch.table import Summary
from alexnet_core.figures import style
from alexnet_core.figures.arch_scene import CONV_COLOUR, MACS_COLOUR, PARAM_COLOUR, REST_COLOUR, shares, weighted_layers
from alexnet_core.figures.style import figure, margins

__all__ = ["MACS_COLOUR", "PARAM_COLOUR", "params_macs_figure", "share_figure"]


def params_macs_figure(summary: Summary) -> go.Figure:
    """Parameters and mult-adds per weighted layer, side by side: fc6 holds the weights, convs do the work."""
    rows = weighted_layers(summary)
    names = [r.name for r in rows]
    data = [
        go.Bar(x=names, y=[r.params for r in rows], name="parameters", marker_color=PARAM_COLOUR,
               hovertemplate="%{x}: %{y:,} parameters<extra></extra>", xaxis="x", yaxis="y"),
        go.Bar(x=names, y=[r.mult_adds for r in rows], name="mult-adds", marker_color=MACS_COLOUR,
               hovertemplate="%{x}: %{y:,} mult-adds<extra></extra>", xaxis="x2", yaxis="y2"),
    ]
    layout = dict(height=360, showlegend=False, margin=margins(), **style.two_panels("Parameters", "Mult-adds"))
    return figure(data, layout)


def share_figure(summary: Summary) -> go.Figure:
    """One stacked bar per quantity: where the parameters live versus where the compute goes."""
    rows = shares(summary)
    ys = [sh.quantity for sh in rows]
    data = [
        go.Bar(y=ys, x=[sh.conv_share for sh in rows], name="convolutions", orientation="h", marker_color=CONV_COLOUR,
               texttemplate="%{x:.1%}", hovertemplate="convolutions: %{x:.1%}<extra></extra>"),
        go.Bar(y=ys, x=[1 - sh.conv_share for sh in rows], name="classifier & rest", orientation="h",
               marker_color=REST_COLOUR,
               texttemplate="%{x:.1%}", hovertemplate="classifier & rest: %{x:.1%}<extra></extra>"),
    ]
    layout = dict(barmode="stack", height=170, margin=margins(t=10),
                  xaxis=dict(tickformat=".0%", range=[0, 1]), legend=dict(orientation="h", y=-0.3))
    return figure(data, layout)
