"""The export page's cache: a few exports kept as they are (bytes are not copied per hit)."""

from __future__ import annotations

import streamlit as st

from alexnet_core.export.exporter import Weights
from alexnet_core.export.run import ExportResult, export_and_check
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import ArchSpec


@st.cache_resource(max_entries=2, show_spinner=False)  # each entry holds a ~240 MB file
def _export(spec_json: str, h: int, w: int, opset: int, dynamic: bool, kind: str, seed: int,
            checkpoint: str | None, checkpoint_stamp: float) -> ExportResult:
    return export_and_check(spec_from_json(spec_json), (h, w), opset=opset, dynamic_batch=dynamic,
                            weights=Weights(kind, seed, checkpoint))


def export(spec: ArchSpec, size: tuple[int, int], opset: int, dynamic: bool, weights: Weights,
           checkpoint_stamp: float = 0.0) -> ExportResult:
    """Raises ExportError (never cached). checkpoint_stamp (the file's mtime) refreshes a retrained file."""
    return _export(spec.to_json(indent=None), size[0], size[1], opset, dynamic, weights.kind, weights.seed,
                   weights.checkpoint, checkpoint_stamp)
