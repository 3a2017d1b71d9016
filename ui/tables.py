"""Summary -> the DataFrame the pages show and offer as CSV, and the table copied out for slides."""

from __future__ import annotations

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
