"""Download buttons the Layer Lab and the Architecture page share: the network as PyTorch code, the model card."""

from __future__ import annotations

from functools import partial

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from alexnet_core.arch.codegen import code_filename, generate_code
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.figures.card import card_filename, model_card
from alexnet_core.spec.types import ArchSpec
from ui import cache, state

FILES_ICON = ":material/folder_open:"


def folded(label: str, *, key: str, icon: str = FILES_ICON) -> DeltaGenerator | None:
    """A stateful expander that returns itself while open and None while closed, so that what it holds is
    drawn only when asked for: each widget a page draws is redrawn by the browser on every change
    (BENCHMARKS.md, instant feedback)."""
    ss, keep = st.session_state, f"_{key}_open"
    if key not in ss and keep in ss:  # a run that did not draw it (another block, another page) dropped its
        ss[key] = ss[keep]  # state: open it as it was left
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    ss[keep] = box.open
    return box if box.open else None


LABEL = "Download as PyTorch code"
HELP = "One standalone .py file (torch alone): an nn.Module with the app's state_dict keys, each layer's shape as a comment."


def code_button(spec: ArchSpec, size: int, *, key: str) -> None:
    """The spec as one .py file; greyed out, saying why, when the spec cannot take ``size`` px."""
    try:
        cache.analytic(spec, size)  # arithmetic only, shared with the page: can the file exist?
    except ShapeError as err:
        st.download_button(LABEL, "", file_name=code_filename(spec), disabled=True, help=str(err),
                           icon=":material/code:", key=key)
        return
    # Built when pressed, as the card is: a rerun then sends no file (and the browser stores none).
    st.download_button(LABEL, partial(generate_code, spec, size), file_name=code_filename(spec),
                       mime="text/x-python", help=HELP, icon=":material/code:", on_click="ignore", key=key)


CARD_LABEL = "Download model card (HTML)"
CARD_HELP = ("One self-contained HTML file: totals, the shape table and the shape-flow plot, plotly inlined, "
             "so it opens offline in any browser (about 5 MB).")


def card_button(spec: ArchSpec, size: int, *, key: str) -> None:
    """The model card of ``spec`` at ``size`` px, built only when pressed (the file holds ~5 MB of plotly.js)."""
    try:
        summary = cache.analytic(spec, size)  # arithmetic only, shared with the page: can a card exist?
    except ShapeError as err:
        st.download_button(CARD_LABEL, "", file_name="card.html", disabled=True, help=str(err),
                           icon=":material/article:", key=key)
        return
    st.download_button(CARD_LABEL, partial(model_card, spec, summary, title=state.spec_label()),
                       file_name=card_filename(spec, size), mime="text/html", help=CARD_HELP,
                       icon=":material/article:", on_click="ignore", key=key)
