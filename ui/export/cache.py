"""The export page's cache: a few exports kept as they are (bytes are not copied per hit)."""

from __future__ import annotations

import streamlit as st

from alexnet_core.export.run import ExportResult, export_and_check
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.source import WeightsSource


@st.cache_resource(max_entries=2, show_spinner=False)  # each entry holds a ~240 MB file
def _export(spec_json: str, h: int, w: int, opset: int, dynamic: bool, weights_key: str,
            _spec: ArchSpec, _weights: WeightsSource) -> ExportResult:
    return export_and_check(_spec, (h, w), opset=opset, dynamic_batch=dynamic, weights=_weights)


def export(spec: ArchSpec, size: tuple[int, int], opset: int, dynamic: bool, weights: WeightsSource) -> ExportResult:
    """Raises ExportError (never cached). The weights' key names a retrained checkpoint anew."""
    return _export(spec.to_json(indent=None), size[0], size[1], opset, dynamic, weights.key, spec, weights)
