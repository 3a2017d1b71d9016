"""Cached models, images and captures for the Inside page.

Models are built once per process and shared (keyed by the spec's JSON and where the weights
came from); nobody mutates them. Captures are shared the same way, keyed by model, image and
size, so switching back to a layer or image costs nothing. Both live in caches bounded in BYTES
(``guard.memory.ByteCache``, sizes in ``guard.limits``), and every miss is checked against the
one budget and held in the server-wide ledger while it is made.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

from alexnet_core import paths
from alexnet_core.arch import budget
from alexnet_core.arch.build import AlexNet
from alexnet_core.figures import inside as plots_inside
from alexnet_core.figures import inside_scene
from alexnet_core.figures.scene import Scene, to_svg
from alexnet_core.guard import limits
from alexnet_core.guard.memory import ByteCache
from alexnet_core.inside import activations, images
from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import Activation, ArchSpec
from alexnet_core.weights.source import Kind, Loaded, WeightsError, WeightsSource, load, load_estimate


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@st.cache_resource(show_spinner=False)  # one of each per server; st.cache_resource.clear() empties them
def _caches() -> dict[str, ByteCache]:
    return {"models": ByteCache(limits.MODEL_CACHE_BYTES), "captures": ByteCache(limits.CAPTURE_CACHE_BYTES),
            "uploads": ByteCache(limits.UPLOAD_CACHE_BYTES)}


def _refuse(message: str) -> None:
    st.error(message, icon=":material/memory:")
    st.stop()


def _work(spec: ArchSpec, size: int, work: budget.Work = budget.Work.FORWARD) -> int:
    """The bytes this work needs, after the budget said yes; a refusal is shown and stops the page."""
    refused = budget.problem(spec, size, work=work)
    if refused:
        _refuse(refused)
    return budget.work_bytes(spec, size, work=work)


def _held(kind: str, key: tuple, make, estimate: int, spinner: str | None = None):  # noqa: ANN001, ANN202
    """The cached value or ``make()``; the server being too busy right now is shown and stops the page."""
    cache = _caches()[kind]
    try:
        if spinner and key not in cache:
            with st.spinner(spinner):
                return cache.get(key, make, estimate)
        return cache.get(key, make, estimate)
    except budget.BudgetError as err:
        _refuse(str(err))
        raise  # st.stop() raised already; this keeps type checkers content


def model(spec: ArchSpec, source: WeightsSource) -> Loaded:
    """The weights in their model (a checkpoint's with its own spec). Raises WeightsError (never cached),
    with the budget's sentence for a spec over it: nothing is built then."""
    own = source.kind == Kind.CHECKPOINT  # the sidebar's spec plays no part: do not key on it
    key = ("model", "" if own else spec.to_json(indent=None), source.key)
    estimate = load_estimate(source, spec)
    cache = _caches()["models"]
    try:
        if key in cache:
            return cache.get(key, lambda: load(source, spec))
        with st.spinner("Loading the weights…"):
            return cache.get(key, lambda: load(source, spec), estimate)
    except budget.BudgetError as err:  # the server is busy right now
        raise WeightsError(str(err)) from None


def _swapped(spec_json: str, source_key: str, act: str, base: AlexNet) -> AlexNet:
    """The same weights under another activation function (activations hold no parameters)."""
    def make() -> AlexNet:
        spec = activations.with_activation(spec_from_json(spec_json), Activation(act))
        m = load(WeightsSource(), spec).model
        m.load_state_dict(base.state_dict())
        return m.eval()

    return _caches()["models"].get(("swapped", spec_json, source_key, act), make)


@st.cache_data(max_entries=32, show_spinner=False)
def builtin_image(name: str) -> np.ndarray:
    return images.builtin(name)


@st.cache_data(max_entries=4, ttl=60, show_spinner=False)  # a dataset downloaded later shows up
def dataset_images() -> dict[str, np.ndarray]:
    return images.dataset_samples(str(paths.data_dir()))


def uploaded_image(data: bytes, name: str) -> np.ndarray:
    """The upload decoded once per server, shared read-only and bounded in bytes (an entry count let eight
    40-megapixel images hold ~1 GB). Raises ImageError (never cached)."""
    def make() -> np.ndarray:
        img = images.decode_upload(data, name)
        img.setflags(write=False)  # one array for every session that uploads the same file
        return img

    return _caches()["uploads"].get(("upload", sha(data)), make)


def normalisation(loaded: Loaded) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """(mean, std) the weights were trained with, if their checkpoint says; None: ImageNet's."""
    t = loaded.trained
    return (t.mean, t.std) if t and t.mean and t.std else None


def capture(loaded: Loaded, image_key: str, img: np.ndarray,
            size: int) -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
    """The image preprocessed as the weights were trained (their size, mean and std), run through.
    Over the budget at this size, the refusal is shown and the page stops before anything runs."""
    norm = normalisation(loaded)
    spec = loaded.spec
    estimate = _work(spec, size)

    def make() -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
        prep = images.preprocess(img, size, spec.in_channels, *(norm or (None, None)))
        cap = activations.capture(loaded.model, prep.tensor)
        return prep, cap, activations.layer_stats(cap)

    return _held("captures", _capture_key(loaded, image_key, size), make, estimate)


def recapture(loaded: Loaded, image_key: str, prep: images.Prepared,
              size: int) -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
    """``capture`` again from the image as it was prepared, under the same key: a view's fragment rerun
    after the cache let the capture go. A refusal is shown and the page stops."""
    estimate = _work(loaded.spec, size)

    def make() -> tuple[images.Prepared, activations.Capture, list[activations.LayerStats]]:
        cap = activations.capture(loaded.model, prep.tensor)
        return prep, cap, activations.layer_stats(cap)

    return _held("captures", _capture_key(loaded, image_key, size), make, estimate)


def _capture_key(loaded: Loaded, image_key: str, size: int) -> tuple:
    return ("capture", loaded.spec.to_json(indent=None), loaded.source.key, image_key, size, normalisation(loaded))


@st.cache_data(max_entries=32, show_spinner=False)
def _display(image_key: str, size: int, in_channels: int, _original: np.ndarray, _shown: np.ndarray) -> tuple[np.ndarray, bytes]:
    """(thumbnail of the original, the network's input as JPEG), encoded once per image."""
    return plots_inside.thumbnail(_original), inside_scene.photo(_shown)


@st.cache_resource(max_entries=64, show_spinner=False)
def grid(key: tuple, shared: bool, _maps: np.ndarray, _channels: tuple[int, ...]) -> tuple[Scene, str]:
    """The feature-map grid and its inline SVG, made once per (weights, image, size, layer, count) and
    scale, and shared by every session: a unit click or a channel change reruns the view and reuses it
    (a row's PNG encoding and the SVG's base64 are most of the view's own work)."""
    scene = inside_scene.feature_grid_scene(_maps, _channels, shared)
    return scene, to_svg(scene)


def display(image_key: str, size: int, in_channels: int, original: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, bytes]:
    return _display(image_key, size, in_channels, original, shown)


def saliency(spec: ArchSpec, source: WeightsSource, image_key: str, size: int, target: int, m: AlexNet,
             x: torch.Tensor, method: str = "gradient") -> np.ndarray:
    """|d logit / d pixel| ("gradient") or Grad-CAM on the last convolutional stage. Its gradients are
    checked against the budget first; a refusal is shown and stops the page."""
    estimate = _work(spec, size, budget.Work.GRADIENT)

    def make() -> np.ndarray:
        return activations.grad_cam(m, x, target) if method == "Grad-CAM" else activations.saliency(m, x, target)

    key = ("saliency", spec.to_json(indent=None), source.key, image_key, size, target, method)
    return _held("captures", key, make, estimate, "Computing the saliency map…")


def act_stats(spec: ArchSpec, source: WeightsSource, image_key: str, size: int, act: Activation,
              x: torch.Tensor, base: AlexNet) -> list[activations.LayerStats]:
    """Layer statistics of the same image and weights under another activation function."""
    spec_json = spec.to_json(indent=None)
    estimate = _work(spec, size) + budget.param_bytes(spec)  # the swapped model's own weights

    def make() -> list[activations.LayerStats]:
        cap = activations.capture(_swapped(spec_json, source.key, str(act), base), x)
        sw = activations.with_activation(spec, act)
        return [s for s in activations.layer_stats(cap) if activations.is_activation_label(sw, s.label)]

    return _held("captures", ("act", spec_json, source.key, image_key, size, str(act)), make, estimate,
                 "Running the image under each activation function…")
