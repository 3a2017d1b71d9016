"""The Architecture page's table and figures, built once per (spec, size) and shared by every session:
a class on one spec, or a size that comes back, costs no pandas or SVG work on a rerun."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from alexnet_core.figures import arch_scene
from alexnet_core.figures.scene import Scene, to_svg
from alexnet_core.spec.types import ArchSpec
from ui import cache, tables


@lru_cache(maxsize=128)
def table(spec: ArchSpec, size: int) -> pd.DataFrame:
    """The layer table, for the CSV download and the HTML table."""
    return tables.layer_table(cache.summary(spec, size))


@lru_cache(maxsize=128)
def table_html(spec: ArchSpec, size: int) -> str:
    """The layer table as plain HTML (tables.html), drawn by st.html."""
    return tables.html(table(spec, size), name="arch")


def share(spec: ArchSpec, size: int) -> Scene:
    return arch_scene.share_scene(cache.summary(spec, size))


def per_layer(spec: ArchSpec, size: int) -> Scene:
    return arch_scene.params_macs_scene(cache.summary(spec, size))


@lru_cache(maxsize=128)
def pictures(spec: ArchSpec, size: int) -> tuple[str, str]:
    """(the parameter/compute share chart, the per-layer bars) as inline SVG."""
    return to_svg(share(spec, size)), to_svg(per_layer(spec, size))


def csv(spec: ArchSpec, size: int) -> str:
    """The layer table as CSV, made when the download button is pressed."""
    return table(spec, size).to_csv(index=False)
