"""Images to feed the network: photographs that ship with scikit-learn, generated test
patterns, uploads (decoded defensively), dataset samples, and the preprocessing step.

Images travel as uint8 RGB arrays (H, W, 3); ``preprocess`` turns one into the
normalised (1, C, S, S) tensor a spec expects.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from alexnet_core.guard.limits import UPLOAD_IMAGE_MB

MAX_UPLOAD_BYTES = UPLOAD_IMAGE_MB * 1024 * 1024  # the upload widget's cap (guard.limits)
MAX_PIXELS = 40_000_000  # decompression-bomb guard: 40 MP
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP"}
PATTERN_SIDE = 256

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
GREY_MEAN, GREY_STD = 0.449, 0.226  # the ImageNet statistics averaged over the three channels


class ImageError(ValueError):
    """An upload that is not a usable image; the message says why in one sentence."""


# ---------------------------------------------------------------- built-in images

PHOTOS = {"photo: china (scikit-learn)": "china.jpg", "photo: flower (scikit-learn)": "flower.jpg"}


def _grid(n: int = PATTERN_SIDE) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    return (xx - n / 2 + 0.5) / (n / 2), (yy - n / 2 + 0.5) / (n / 2)  # x, y in [-1, 1]


def _grey(v: np.ndarray) -> np.ndarray:
    g = (np.clip(v, 0, 1) * 255).round().astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def edges(angle_deg: float, period: int = 32) -> np.ndarray:
    """Black and white stripes at an angle: what an oriented edge detector answers to."""
    x, y = _grid()
    t = np.deg2rad(angle_deg)
    u = (x * np.cos(t) + y * np.sin(t)) * PATTERN_SIDE / 2
    return _grey((np.floor(u / (period / 2)) % 2).astype(np.float32))


def checkerboard(square: int = 32) -> np.ndarray:
    yy, xx = np.mgrid[0:PATTERN_SIDE, 0:PATTERN_SIDE]
    return _grey((((yy // square) + (xx // square)) % 2).astype(np.float32))


def gradient() -> np.ndarray:
    """Red left to right, blue top to bottom: smooth colour ramps with no edges."""
    x, y = _grid()
    img = np.stack([(x + 1) / 2, np.full_like(x, 0.3), (y + 1) / 2], axis=2)
    return (img * 255).round().astype(np.uint8)


def disk() -> np.ndarray:
    x, y = _grid()
    return _grey((x**2 + y**2 < 0.5**2).astype(np.float32))


def colour_wheel() -> np.ndarray:
    """Hue by angle, saturation by radius: what conv1's colour-blob filters answer to."""
    x, y = _grid()
    hue = (np.arctan2(y, x) / (2 * np.pi)) % 1.0
    sat = np.clip(np.sqrt(x**2 + y**2), 0, 1)
    # HSV -> RGB with value 1: each channel is 1 - s * clip(|(6h + shift) mod 6 - 3| ... ), done by hand
    k = np.stack([(5 + hue * 6) % 6, (3 + hue * 6) % 6, (1 + hue * 6) % 6], axis=2)
    rgb = 1 - sat[..., None] * np.clip(np.minimum(k, 4 - k), 0, 1)
    return (rgb * 255).round().astype(np.uint8)


PATTERNS = {
    "pattern: vertical edges": lambda: edges(0),
    "pattern: diagonal edges (45°)": lambda: edges(45),
    "pattern: horizontal edges": lambda: edges(90),
    "pattern: diagonal edges (135°)": lambda: edges(135),
    "pattern: checkerboard": checkerboard,
    "pattern: colour gradients": gradient,
    "pattern: disk": disk,
    "pattern: colour wheel": colour_wheel,
}


def builtin_names() -> list[str]:
    return list(PHOTOS) + list(PATTERNS)


def builtin(name: str) -> np.ndarray:
    """A built-in image by its display name, as uint8 RGB (H, W, 3); works offline."""
    if name in PHOTOS:
        from sklearn.datasets import load_sample_image

        return np.ascontiguousarray(load_sample_image(PHOTOS[name]))
    if name in PATTERNS:
        return PATTERNS[name]()
    raise KeyError(f"no built-in image {name!r}")


# ---------------------------------------------------------------- uploads


def decode_upload(data: bytes, name: str = "upload") -> np.ndarray:
    """Bytes from an upload -> uint8 RGB, or ImageError naming what is wrong."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(f"{name} is {len(data) / 2**20:.1f} MB; images up to {MAX_UPLOAD_BYTES // 2**20} MB are accepted")
    if not data:
        raise ImageError(f"{name} is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in ALLOWED_FORMATS:
                raise ImageError(f"{name} is a {img.format} file; upload a PNG, JPEG or WebP image")
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise ImageError(f"{name} is {w}×{h} pixels; images up to {MAX_PIXELS // 1_000_000} megapixels are accepted")
            img.load()
            return np.asarray(img.convert("RGB"))
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # PIL's own guard, before ours
        raise ImageError(f"{name} has too many pixels; images up to {MAX_PIXELS // 1_000_000} megapixels "
                         "are accepted") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not a PNG, JPEG or WebP image that can be read") from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt data
        raise ImageError(f"{name} is a damaged image file ({type(exc).__name__})") from None


# ---------------------------------------------------------------- the camera

CAMERA_NAME = "camera photo"  # what a camera frame is called in the upload's sentences
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def camera_problem(url: str | None) -> str | None:
    """Why a browser will not give this page the camera (it does only over https or from
    localhost), as one sentence; None when it may (or when the address is not known)."""
    from urllib.parse import urlsplit

    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme == "https" or host in LOCAL_HOSTS or host.endswith(".localhost"):
        return None
    return (f"This page comes over plain http from {host or 'this address'}: browsers give the camera only to "
            "pages served over https or from localhost, so ask for the https address (see the README: "
            "server.sslCertFile and server.sslKeyFile).")


# ---------------------------------------------------------------- dataset samples


def dataset_samples(root: str, limit: int = 8) -> dict[str, np.ndarray]:
    """A few images from torchvision datasets already on disk (never downloads)."""
    from torchvision import datasets

    found: dict[str, np.ndarray] = {}
    for cls in (datasets.FashionMNIST, datasets.MNIST, datasets.CIFAR10):
        try:
            ds = cls(root, train=False, download=False)
        except Exception:  # absent or incomplete: simply not offered
            continue
        classes = getattr(ds, "classes", None)
        for i in range(min(limit, len(ds))):
            img, target = ds[i]
            label = classes[target] if classes else str(target)
            found[f"{cls.__name__} #{i} ({label})"] = np.asarray(img.convert("RGB"))
    return found


# ---------------------------------------------------------------- preprocessing


@dataclass(frozen=True)
class Prepared:
    tensor: torch.Tensor  # (1, C, S, S), normalised
    shown: np.ndarray  # uint8 RGB (S, S, 3): the crop the network sees, before normalisation
    steps: tuple[str, ...]  # what was done, for the caption


def normalisation(in_channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if in_channels == 3:
        return IMAGENET_MEAN, IMAGENET_STD
    return (GREY_MEAN,) * in_channels, (GREY_STD,) * in_channels


def preprocess(img: np.ndarray, size: int, in_channels: int = 3, mean: tuple[float, ...] | None = None,
               std: tuple[float, ...] | None = None) -> Prepared:
    """torchvision's ImageNet recipe scaled to any size: resize the short side to size·256/224,
    centre-crop size×size, scale to [0, 1], normalise. ``mean``/``std`` are what the weights were
    trained with (one value per channel of the training images, as training does it: normalise,
    then grey <-> RGB); without them, ImageNet's (grey for other channel counts). ImageError, before
    anything is resized, when the resized image would be over the pixel limit (a long, thin one)."""
    h, w = img.shape[:2]
    short = max(size, round(size * 256 / 224))
    scale = short / min(h, w)
    # torchvision truncates the long side (int, not round) and rounds the crop offset
    nh, nw = (short, max(size, int(w * scale))) if h <= w else (max(size, int(h * scale)), short)
    if nh * nw > MAX_PIXELS:  # a long, thin image (1×20000 px is a 60 kB PNG) would resize to gigabytes
        raise ImageError(f"the image is {w}×{h} pixels, so long and thin that resizing its short side to {short} px "
                         f"makes it {nw}×{nh}, over the {MAX_PIXELS // 1_000_000}-megapixel limit; crop it "
                         "closer to a square")
    pil = Image.fromarray(img).resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - size) / 2)), int(round((nw - size) / 2))
    crop = np.asarray(pil.crop((left, top, left + size, top + size)))
    x = torch.from_numpy(crop.copy()).permute(2, 0, 1).float().div_(255)  # (3, S, S)
    steps = [f"resize {w}×{h} → {nw}×{nh}", f"centre-crop {size}×{size}"]
    if mean is None or std is None:
        mean, std = normalisation(in_channels)
        said = "(ImageNet mean/std)" if in_channels == 3 else f"(mean {mean[0]}, std {std[0]})"
    else:
        said = "(the training set's mean " + ", ".join(f"{m:.3f}" for m in mean) + "; std " + ", ".join(
            f"{s:.3f}" for s in std) + ")"
    if len(mean) != 3:  # the statistics are for grey images
        x = x.mean(0, keepdim=True).expand(len(mean), -1, -1)
        steps.append("grey" if len(mean) == 1 else f"grey repeated over {len(mean)} channels")
    x = (x - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    steps.append("normalise " + said)
    if x.shape[0] != in_channels:  # as training matches channels: grey repeated, or RGB averaged
        x = x.expand(in_channels, -1, -1) if x.shape[0] == 1 else x.mean(0, keepdim=True)
        steps.append(f"repeated over {in_channels} channels" if in_channels > 1 else "grey")
    shown = crop if x.shape[0] == 3 and len(mean) == 3 else np.repeat(
        crop.mean(2, keepdims=True).round().astype(np.uint8), 3, 2)
    return Prepared(x.unsqueeze(0).contiguous(), shown, tuple(steps))
