"""Download buttons the Layer Lab and the Architecture page share: the network as PyTorch code."""

from __future__ import annotations

import streamlit as st

from alexnet_core.arch.codegen import code_filename, generate_code
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.spec.types import ArchSpec

LABEL = "Download as PyTorch code"
HELP = "One standalone .py file (torch alone): an nn.Module with the app's state_dict keys, each layer's shape as a comment."


def code_button(spec: ArchSpec, size: int, *, key: str) -> None:
    """The spec as one .py file; greyed out, saying why, when the spec cannot take ``size`` px."""
    try:
        text = generate_code(spec, size)  # pure arithmetic and text: well under a millisecond per rerun
    except ShapeError as err:
        st.download_button(LABEL, "", file_name=code_filename(spec), disabled=True, help=str(err),
                           icon=":material/code:", key=key)
        return
    st.download_button(LABEL, text, file_name=code_filename(spec), mime="text/x-python", help=HELP,
                       icon=":material/code:", on_click="ignore", key=key)
