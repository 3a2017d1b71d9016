"""Cached core calls, keyed by the spec's JSON so equal specs share one entry (the arithmetic table by
the frozen spec itself: serialising costs more than the table)."""

from __future__ import annotations

from functools import lru_cache

import streamlit as st

from alexnet_core.arch.shapes import LayerShape, trace
from alexnet_core.arch.table import Summary, analytic_summary
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import ArchSpec


@st.cache_data(max_entries=256, show_spinner=False)
def _summary(spec_json: str, h: int, w: int) -> Summary:
    return summarize(spec_from_json(spec_json), h, w)


@st.cache_data(max_entries=256, show_spinner=False)
def _trace(spec_json: str, h: int, w: int) -> list[LayerShape]:
    return trace(spec_from_json(spec_json), h, w)


@lru_cache(maxsize=512)
def analytic(spec: ArchSpec, size: int) -> Summary:
    """The arithmetic table (no torch); raises ShapeError, which is never cached."""
    return analytic_summary(spec, size)


def summary(spec: ArchSpec, h: int, w: int | None = None) -> Summary:
    """Raises ShapeError for an impossible size (errors are never cached)."""
    return _summary(spec.to_json(indent=None), h, h if w is None else w)


def shapes(spec: ArchSpec, h: int, w: int | None = None) -> list[LayerShape]:
    return _trace(spec.to_json(indent=None), h, h if w is None else w)
