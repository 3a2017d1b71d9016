"""Human-readable numbers for tables and captions."""

from __future__ import annotations

from collections.abc import Sequence


def fmt_count(n: int | float | None) -> str:
    if n is None:
        return "?"
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n:g}"


def fmt_bytes(n: int | float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def fmt_shape(shape: Sequence[int]) -> str:
    return "×".join(str(int(d)) for d in shape)


def fmt_short(n: int | float, sig: int = 3) -> str:
    """``sig`` significant figures and a unit, for metric tiles and chart labels (714,682,664 -> 715M).
    Rounded before the unit is chosen, so 999,500 is 1M, not 1000k."""
    r = float(f"{n:.{sig}g}")
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(r) >= size:
            return f"{r / size:.{sig}g}{unit}"
    return f"{r:.{sig}g}"
