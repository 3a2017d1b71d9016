"""Cached models, images and captures for the Inside page.

Models are built once per process and shared (``st.cache_resource``, keyed by the spec's
JSON and where the weights came from); nobody mutates them. Captures are shared the same
way, keyed by model, image and size, so switching back to a layer or image costs nothing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

from alexnet_core import paths
from alexnet_core.arch.build import AlexNet
from alexnet_core.figures import inside as plots_inside
from alexnet_core.inside import activations, images
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import Activation, ArchSpec
from alexnet_core.weights.source import Kind, Loaded, WeightsSource, load


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@st.cache_resource(max_entries=6, show_spinner="Loading the weights…")
def _load(spec_key: str, source_key: str, _source: WeightsSource, _spec: ArchSpec) -> Loaded:
    return load(_source, _spec)


def model(spec: ArchSpec, source: WeightsSource) -> Loaded:
    """The weights in their model (a checkpoint's with its own spec). Raises WeightsError (never cached)."""
    own = source.kind == Kind.CHECKPOINT  # the sidebar's spec plays no part: do not key on it
    return _load("" if own else spec.to_json(indent=None), source.key, source, spec)


@st.cache_resource(max_entries=8, show_spinner=False)
def _swapped(spec_json: str, source_key: str, act: str, _base: AlexNet) -> AlexNet:
    """The same weights under another activation function (activations hold no parameters)."""
    spec = activations.with_activation(spec_from_json(spec_json), Activation(act))
    m = load(WeightsSource(), spec).model
    m.load_state_dict(_base.state_dict())
    return m.eval()


@st.cache_data(max_entries=32, show_spinner=False)
def builtin_image(name: str) -> np.ndarray:
    return images.builtin(name)


@st.cache_data(max_entries=4, ttl=60, show_spinner=False)  # a dataset downloaded later shows up
def dataset_images() -> dict[str, np.ndarray]:
    return images.dataset_samples(str(paths.data_dir()))


@st.cache_data(max_entries=8, show_spinner=False)
def _decoded(digest: str, _data: bytes, name: str) -> np.ndarray:
    return images.decode_upload(_data, name)


def uploaded_image(data: bytes, name: str) -> np.ndarray:
    """Raises ImageError (never cached)."""
    return _decoded(sha(data), data, name)


@st.cache_resource(max_entries=16, show_spinner=False)
def _capture(spec_json: str, source_key: str, image_key: str, size: int, norm: tuple | None,
             _img: np.ndarray, _m: AlexNet) -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
    spec = spec_from_json(spec_json)
    prep = images.preprocess(_img, size, spec.in_channels, *(norm or (None, None)))
    cap = activations.capture(_m, prep.tensor)
    return prep, cap, activations.layer_stats(cap)


def capture(loaded: Loaded, image_key: str, img: np.ndarray,
            size: int) -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
    """The image preprocessed as the weights were trained (their size, mean and std), run through."""
    t = loaded.trained
    norm = (t.mean, t.std) if t and t.mean and t.std else None
    return _capture(loaded.spec.to_json(indent=None), loaded.source.key, image_key, size, norm, img, loaded.model)


@st.cache_data(max_entries=32, show_spinner=False)
def _display(image_key: str, size: int, in_channels: int, _original: np.ndarray, _shown: np.ndarray) -> tuple[np.ndarray, str]:
    """(thumbnail of the original, PNG data URI of the network's input), encoded once per image."""
    return plots_inside.thumbnail(_original), plots_inside.png_uri(_shown)


def display(image_key: str, size: int, in_channels: int, original: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, str]:
    return _display(image_key, size, in_channels, original, shown)


@st.cache_resource(max_entries=8, show_spinner="Computing the saliency map…")
def _saliency(spec_json: str, source_key: str, image_key: str, size: int, target: int, method: str,
              _m: AlexNet, _x: torch.Tensor) -> np.ndarray:
    if method == "Grad-CAM":
        return activations.grad_cam(_m, _x, target)
    return activations.saliency(_m, _x, target)


def saliency(spec: ArchSpec, source: WeightsSource, image_key: str, size: int, target: int, m: AlexNet,
             x: torch.Tensor, method: str = "gradient") -> np.ndarray:
    """|d logit / d pixel| ("gradient") or Grad-CAM on the last convolutional stage."""
    return _saliency(spec.to_json(indent=None), source.key, image_key, size, target, method, m, x)


@st.cache_resource(max_entries=16, show_spinner="Running the image under each activation function…")
def _act_stats(spec_json: str, source_key: str, image_key: str, size: int, act: str,
               _x: torch.Tensor, _base: AlexNet) -> list[activations.LayerStats]:
    spec = spec_from_json(spec_json)
    m = _swapped(spec_json, source_key, act, _base)
    cap = activations.capture(m, _x)
    sw = activations.with_activation(spec, Activation(act))
    return [s for s in activations.layer_stats(cap) if activations.is_activation_label(sw, s.label)]


def act_stats(spec: ArchSpec, source: WeightsSource, image_key: str, size: int, act: Activation,
              x: torch.Tensor, base: AlexNet) -> list[activations.LayerStats]:
    return _act_stats(spec.to_json(indent=None), source.key, image_key, size, str(act), x, base)
