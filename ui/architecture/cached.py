"""The Architecture page's table and figures, built once per (spec, size) and shared by every session:
a class on one spec, or a size that comes back, costs no pandas or plotly work on a rerun."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from alexnet_core.figures import arch as plots
from alexnet_core.spec.types import ArchSpec
from ui import cache, tables


@lru_cache(maxsize=128)
def table(spec: ArchSpec, size: int) -> pd.DataFrame:
    """The layer table; st.dataframe only reads it."""
    return tables.layer_table(cache.summary(spec, size))


@lru_cache(maxsize=128)
def figures(spec: ArchSpec, size: int) -> tuple[go.Figure, go.Figure]:
    """(the parameter/compute share chart, the per-layer bars); st.plotly_chart only reads them."""
    summary = cache.summary(spec, size)
    return plots.share_figure(summary), plots.params_macs_figure(summary)


def csv(spec: ArchSpec, size: int) -> str:
    """The layer table as CSV, made when the download button is pressed."""
    return table(spec, size).to_csv(index=False)
