"""Cached core calls, keyed by the frozen spec itself (equal specs are equal keys, and hashing one costs
less than serialising it), shared by every session of the server process."""

from __future__ import annotations

from functools import lru_cache

from alexnet_core.arch.shapes import LayerShape, trace
from alexnet_core.arch.table import Summary, analytic_summary
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec.types import ArchSpec


@lru_cache(maxsize=256)
def _summary(spec: ArchSpec, h: int, w: int) -> Summary:
    return summarize(spec, h, w)


@lru_cache(maxsize=256)
def _trace(spec: ArchSpec, h: int, w: int) -> tuple[LayerShape, ...]:
    return tuple(trace(spec, h, w))


@lru_cache(maxsize=512)
def analytic(spec: ArchSpec, size: int) -> Summary:
    """The arithmetic table (no torch); raises ShapeError, which is never cached."""
    return analytic_summary(spec, size)


def summary(spec: ArchSpec, h: int, w: int | None = None) -> Summary:
    """torchinfo's table; raises ShapeError for an impossible size (errors are never cached). Shared: the
    caller must not change it."""
    return _summary(spec, h, h if w is None else w)


def shapes(spec: ArchSpec, h: int, w: int | None = None) -> list[LayerShape]:
    return list(_trace(spec, h, h if w is None else w))
