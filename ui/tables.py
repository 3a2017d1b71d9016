"""Summary -> the DataFrame the pages show and offer as CSV, the same as a plain HTML table, and the table
copied out for slides."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd
import streamlit as st

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.table import Summary
from ui import downloads


def layer_table(summary: Summary) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "layer": r.name,
            "type": r.type,
            "kernel/stride/pad": tf.ksp(r),
            "groups": tf.groups(r),
            "output": tf.output(r),
            "params": r.params,
            "mult-adds": r.mult_adds,
            "receptive field": r.receptive_field,
            "activation kB": round(r.activation_bytes / 1000, 1),
        }
        for r in summary.layers
    )


# One style for every plain table, drawn by ``style()`` as an element of its own: inside the table's
# HTML, each change of the table would take the stylesheet out and put it back, and the browser would
# restyle the whole page. Neutral greys read on the light and the dark theme; presentation mode
# (ui/present.py) enlarges the type.
CSS = ("<style>.ax-table{overflow-x:auto}.ax-table table{border-collapse:collapse;width:100%;font-size:.8rem;"
       "font-variant-numeric:tabular-nums;line-height:1.3}.ax-table th,.ax-table td{padding:.22rem .4rem;"
       "white-space:nowrap;text-align:left;border-bottom:1px solid rgba(128,128,128,.22)}.ax-table th{"
       "font-weight:600;white-space:normal;vertical-align:bottom;border-bottom:2px solid rgba(128,128,128,.4)}"
       ".ax-table .num{text-align:right}.ax-table tr.changed td{background:rgba(255,140,0,.14)}</style>")


def _cell(v: object) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return escape(str(v))
    return f"{v:,}" if isinstance(v, int) else f"{v:,.1f}"


def html(df: pd.DataFrame, *, name: str, changed: Sequence[bool] | None = None,
         help: dict[str, str] | None = None) -> str:
    """``df`` as a plain HTML table (st.html draws it): the browser lays out ~20 rows in a millisecond or
    two, where the canvas data grid took ~35 ms a change (BENCHMARKS.md, instant feedback), and its type
    grows on a projector. Numbers are right-aligned with thousands separators, ``changed`` rows are
    tinted (a header may break after a slash), and ``help`` gives column headers a tooltip. ``name`` marks the table for tests and styles."""
    nums = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    tips = help or {}
    head = "".join(f'<th{" class=num" if n else ""}{_title(tips.get(c))}>{_header(c)}</th>'
                   for c, n in zip(df.columns, nums, strict=True))
    rows = []
    for i, values in enumerate(df.itertuples(index=False, name=None)):
        mark = ' class="changed"' if changed is not None and changed[i] else ""
        tds = "".join(f'<td{" class=num" if n else ""}>{_cell(v)}</td>' for v, n in zip(values, nums, strict=True))
        rows.append(f"<tr{mark}>{tds}</tr>")
    return (f'<div class="ax-table" data-table="{escape(name)}"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def style() -> None:
    """The tables' stylesheet; a page draws it once, before its first table (an unchanged element: a
    rerun leaves it in the page as it is)."""
    st.html(CSS)


def show(html_table: str) -> None:
    """A table made by ``html``, with its stylesheet."""
    style()
    st.html(html_table)


def _header(name: object) -> str:
    return escape(str(name)).replace("/", "/\u200b")  # a zero-width space: the header may break there


def _title(text: str | None) -> str:
    return f' title="{escape(text)}"' if text else ""


def copy_out(summary: Summary, key: str) -> None:
    """The table as Markdown and as LaTeX in code blocks (each has a copy button), folded away until asked for.
    The expander and its tabs are stateful: only an open one's block is drawn, since a highlighted code block
    costs the browser ~70 ms to redraw on every size change (BENCHMARKS.md, instant feedback)."""
    box = downloads.folded("Copy the table for slides: Markdown, LaTeX", key=f"{key}_copy",
                           icon=":material/content_copy:")
    if box is None:
        return
    with box:
        md, tex = st.tabs(["Markdown", "LaTeX"], key=f"{key}_copy_tab", on_change="rerun")
        if md.open:
            with md:
                st.code(tf.to_markdown(summary), language="markdown")
        if tex.open:
            with tex:
                st.caption("A booktabs tabular: add `\\usepackage{booktabs}` to the preamble.")
                st.code(tf.to_latex(summary), language="latex")
