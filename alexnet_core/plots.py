"""plotly figure builders: data in, go.Figure out. No Streamlit, so tests can read the data."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from alexnet_core.summary import Summary

PARAM_COLOUR = "#4C78A8"
MACS_COLOUR = "#F58518"


def params_macs_figure(summary: Summary) -> go.Figure:
    """Parameters and mult-adds per weighted layer, side by side: fc6 holds the weights, convs do the work."""
    rows = [r for r in summary.layers if r.params or r.mult_adds]
    names = [r.name for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Parameters", "Mult-adds"), horizontal_spacing=0.08)
    fig.add_bar(x=names, y=[r.params for r in rows], name="parameters", marker_color=PARAM_COLOUR,
                hovertemplate="%{x}: %{y:,} parameters<extra></extra>", row=1, col=1)
    fig.add_bar(x=names, y=[r.mult_adds for r in rows], name="mult-adds", marker_color=MACS_COLOUR,
                hovertemplate="%{x}: %{y:,} mult-adds<extra></extra>", row=1, col=2)
    fig.update_layout(height=360, showlegend=False, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def share_figure(summary: Summary) -> go.Figure:
    """One stacked bar per quantity: where the parameters live versus where the compute goes."""
    cls_p = summary.classifier_param_share
    conv_m = summary.conv_mult_add_share
    fig = go.Figure()
    fig.add_bar(y=["parameters", "mult-adds"], x=[1 - cls_p, conv_m], name="convolutions", orientation="h",
                marker_color=MACS_COLOUR, texttemplate="%{x:.1%}", hovertemplate="convolutions: %{x:.1%}<extra></extra>")
    fig.add_bar(y=["parameters", "mult-adds"], x=[cls_p, 1 - conv_m], name="classifier & rest", orientation="h",
                marker_color=PARAM_COLOUR, texttemplate="%{x:.1%}", hovertemplate="classifier & rest: %{x:.1%}<extra></extra>")
    fig.update_layout(barmode="stack", height=170, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis=dict(tickformat=".0%", range=[0, 1]), legend=dict(orientation="h", y=-0.3))
    return fig
