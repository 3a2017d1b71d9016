"""Inside page: the image and weights pickers. Each returns what it chose, or None after
showing one clear message (st.error) for a bad upload or unavailable weights."""

from __future__ import annotations

import numpy as np
import streamlit as st

from alexnet_core.guard import limits
from alexnet_core.inside import images
from alexnet_core.inside.images import ImageError
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights import imagenet
from alexnet_core.weights.source import (
    MAX_UPLOAD_BYTES,
    Kind,
    Loaded,
    WeightsError,
    WeightsSource,
    WeightsUnavailable,
    checkpoint_files,
)
from ui.inside import cache

UPLOAD = "upload an image…"
CAMERA = "camera: take a photo…"
W_RANDOM, W_TV, W_CKPT, W_UPLOAD = "random init (seeded)", "torchvision ImageNet", "checkpoint (Training page)", "upload a state_dict"


def pick_image() -> tuple[str, np.ndarray] | None:
    """(cache key, uint8 RGB image) of the chosen input."""
    samples = cache.dataset_images()
    choices = images.builtin_names() + list(samples) + [UPLOAD, CAMERA]
    if st.session_state.get("inside_image") not in choices:
        st.session_state["inside_image"] = choices[0]
    name = st.selectbox("Image", choices, key="inside_image",
                        help="Photographs from scikit-learn, generated test patterns, dataset samples "
                             "found in the data folder, your own, or the laptop's camera.")
    if name in samples:
        return f"dataset:{name}", samples[name]
    if name == CAMERA:
        return _camera()
    if name != UPLOAD:
        return f"builtin:{name}", cache.builtin_image(name)
    up = st.file_uploader(f"PNG, JPEG or WebP, up to {limits.UPLOAD_IMAGE_MB} MB", type=["png", "jpg", "jpeg", "webp"],
                          key="inside_image_upload", max_upload_size=limits.UPLOAD_IMAGE_MB)
    if up is None:
        st.info("Choose an image file to upload.")
        return None
    return _decoded(up.getvalue(), up.name)


def _decoded(data: bytes, name: str) -> tuple[str, np.ndarray] | None:
    """An upload or a camera frame: the same caps and the same one-sentence errors for both."""
    try:
        return f"upload:{cache.sha(data)}", cache.uploaded_image(data, name)
    except ImageError as err:
        st.error(str(err), icon=":material/broken_image:")
        return None


def _camera() -> tuple[str, np.ndarray] | None:
    """A photo from the laptop's camera, decoded exactly as an upload is."""
    problem = images.camera_problem(st.context.url)
    if problem:
        st.warning(problem, icon=":material/no_photography:")
    shot = st.camera_input("Point the camera at something, then take the photo", key="inside_camera",
                           resolution="720p")  # plenty for a 224 px crop; a 4K frame only costs bandwidth
    st.caption("Browsers give the camera only to pages served over https or from localhost. Every view "
               "below (feature maps, receptive field, top-5, Grad-CAM) follows the photo.")
    if shot is None:
        st.info("Take a photo: the network sees it as soon as it is taken.")
        return None
    return _decoded(shot.getvalue(), images.CAMERA_NAME)


def pick_weights(spec: ArchSpec) -> Loaded | None:
    """The chosen weights in their model. A checkpoint brings its own spec, size, normalisation and
    class names; the sidebar's spec is left as it is, and the page says which spec is shown."""
    kinds = [W_RANDOM, W_TV, W_CKPT, W_UPLOAD]
    kind = st.selectbox("Weights", kinds, key="inside_weights",
                        help="torchvision's ImageNet weights fit only the torchvision preset at 3 channels "
                             "and 1000 classes. A checkpoint is shown with the spec it was trained for.")
    if kind == W_RANDOM:
        seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="inside_seed")
        source = WeightsSource(Kind.RANDOM, seed=int(seed))
    elif kind == W_TV:
        source = WeightsSource(Kind.PRETRAINED)
        if not imagenet.is_cached():
            _download_prompt()
            return None
    elif kind == W_CKPT:
        files = checkpoint_files()
        if not files:
            st.info("No checkpoints in the runs folder yet: train a model on the Training page first.")
            return None
        source = WeightsSource(Kind.CHECKPOINT, checkpoint=st.selectbox("Checkpoint", files, key="inside_ckpt"))
    else:
        up = st.file_uploader(f".pt / .pth state_dict, up to {MAX_UPLOAD_BYTES // 2**20} MB (a width-scaled "
                              "network; full AlexNet weights come as a Training checkpoint)",
                              type=["pt", "pth"], key="inside_weights_upload",
                              max_upload_size=MAX_UPLOAD_BYTES // 2**20)
        if up is None:
            st.info("Choose a state_dict file whose tensors match this spec.")
            return None
        source = WeightsSource.upload(up.getvalue(), up.name)
    try:
        return cache.model(spec, source)
    except WeightsError as err:
        st.error(str(err), icon=":material/error:")
        return None


def _download_prompt() -> None:
    path = imagenet.cache_path()
    st.warning(f"torchvision's ImageNet weights are not on this machine yet (233 MB, saved to {path}).",
               icon=":material/cloud_download:")
    if st.button("Download the ImageNet weights", key="inside_download", icon=":material/download:"):
        bar = st.progress(0.0, text="Downloading…")

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / total) if total else 0.0,
                         text=f"Downloading… {done / 2**20:.0f} / {total / 2**20:.0f} MB")

        try:
            imagenet.fetch(imagenet.torchvision_entry(), progress)
        except WeightsUnavailable as err:
            st.error(str(err), icon=":material/cloud_off:")
            return
        except WeightsError as err:
            st.error(str(err), icon=":material/error:")
            return
        st.rerun()
