"""Inside the network, inputs: built-in images, guarded uploads, preprocessing (weights: test_weights.py)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_core.inside import images
from alexnet_core.inside.images import ImageError
from alexnet_core.spec.types import ArchSpec, Classifier, ConvBlock, Pool

TINY = ArchSpec(name="tiny", convs=(ConvBlock(8, 5, 2, 2, pool=Pool(3, 2)), ConvBlock(12, 3, 1, 1, pool=Pool(3, 2))),
                feature_size=(2, 2), classifier=Classifier(hidden=(16,)), num_classes=5)


def encoded(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


# ---------------------------------------------------------------- images


@pytest.mark.parametrize("name", images.builtin_names())
def test_builtin_images_are_rgb_and_preprocess_to_the_spec(name):
    img = images.builtin(name)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and img.std() > 5
    prep = images.preprocess(img, 96, 1)
    assert prep.tensor.shape == (1, 1, 96, 96) and prep.shown.shape == (96, 96, 3)


def test_edge_patterns_are_oriented():
    v, h = images.edges(0).astype(float)[..., 0], images.edges(90).astype(float)[..., 0]
    assert np.abs(np.diff(v, axis=0)).sum() == 0 and np.abs(np.diff(v, axis=1)).sum() > 0
    assert np.abs(np.diff(h, axis=1)).sum() == 0 and np.abs(np.diff(h, axis=0)).sum() > 0


def test_preprocess_is_torchvisions_recipe_at_224():
    from torchvision.models import AlexNet_Weights

    img = images.builtin("photo: flower (scikit-learn)")
    ours = images.preprocess(img, 224).tensor[0]
    theirs = AlexNet_Weights.IMAGENET1K_V1.transforms()(Image.fromarray(img))
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-5)


def test_preprocess_with_a_training_sets_statistics_matches_training():
    """Grey statistics on a 3-channel spec: grey, normalise, repeat (as training's data.prepare does)."""
    from alexnet_core.training import data as D

    img = images.builtin("photo: flower (scikit-learn)")
    prep = images.preprocess(img, 32, 3, (0.3,), (0.2,))
    grey = torch.from_numpy(np.asarray(prep.shown[..., 0], dtype=np.float32)).view(1, 1, 32, 32)
    want = D.prepare(grey.to(torch.uint8), 32, mean=torch.tensor(0.3).view(1, 1, 1, 1),
                     std=torch.tensor(0.2).view(1, 1, 1, 1), channels=3)
    torch.testing.assert_close(prep.tensor, want, rtol=0, atol=0.5 / 255 / 0.2 + 1e-6)  # shown is rounded grey
    assert "normalise (the training set's mean 0.300; std 0.200)" in prep.steps
    rgb = images.preprocess(img, 32, 1, (0.5, 0.4, 0.3), (0.2, 0.2, 0.2))
    assert rgb.tensor.shape == (1, 1, 32, 32)


def test_valid_uploads_decode():
    img = Image.fromarray(images.checkerboard())
    for fmt in ("PNG", "JPEG", "WEBP"):
        out = images.decode_upload(encoded(img, fmt), f"x.{fmt.lower()}")
        assert out.shape == (256, 256, 3)
    grey = images.decode_upload(encoded(Image.new("L", (30, 20), 128), "PNG"))
    assert grey.shape == (20, 30, 3) and (grey == 128).all()


def forged_png(width: int, height: int) -> bytes:
    """A 1×1 PNG whose header claims width × height (its CRC fixed, so only the size is a lie)."""
    data = bytearray(encoded(Image.new("RGB", (1, 1), "red"), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr:ihdr + 17])))
    return bytes(data)


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (forged_png(20000, 20000), "too many pixels"),  # a 70-byte file claiming 400 MP: refused unread
    (forged_png(8000, 6000), "megapixels"),  # over our 40 MP but under PIL's own guard
    (b"this is not an image at all" * 10, "not a PNG, JPEG or WebP image"),
    (encoded(Image.new("RGB", (40, 40), "red"), "PNG")[:60], "damaged"),
    (encoded(Image.new("RGB", (40, 40), "red"), "GIF"), "GIF file"),
    (encoded(Image.new("1", (8000, 6000)), "PNG"), "megapixels"),
])
def test_bad_uploads_give_one_clear_sentence(data, needle):
    with pytest.raises(ImageError) as err:
        images.decode_upload(data, "bad.png")
    msg = str(err.value)
    assert needle in msg and "bad.png" in msg and "\n" not in msg


@pytest.mark.parametrize("wh,size", [((20_000, 1), 224), ((1, 60_000), 32), ((96, 12), 2048)])
def test_a_long_thin_upload_is_refused_before_the_resize_would_take_gigabytes(monkeypatch, wh, size):
    """A 1×20000 PNG is a few kB and under the pixel limit, but its short side resized to 256 px makes it
    5 million × 256 pixels: refused in one sentence, and nothing is resized first."""
    img = images.decode_upload(encoded(Image.new("RGB", wh, "red"), "PNG"), "thin.png")

    def no_resize(*args, **kwargs):
        raise AssertionError("resized before the refusal")

    monkeypatch.setattr(Image.Image, "resize", no_resize)
    with pytest.raises(ImageError, match="long and thin") as err:
        images.preprocess(img, size)
    assert "\n" not in str(err.value) and f"{wh[0]}×{wh[1]} pixels" in str(err.value)


def test_upload_size_cap(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ImageError, match="up to 0 MB"):
        images.decode_upload(encoded(Image.fromarray(images.colour_wheel()), "PNG"), "big.png")


def test_dataset_samples_absent_means_none(tmp_path):
    assert images.dataset_samples(str(tmp_path)) == {}


# ---------------------------------------------------------------- weights


def test_dataset_samples_found_on_disk(tmp_path):
    """A tiny FashionMNIST test split in torchvision's raw idx format: offered, never downloaded."""

    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28) % 256
    for split in ("train", "t10k"):  # torchvision wants both splits present
        (raw / f"{split}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, 3, 28, 28) + pixels.astype(np.uint8).tobytes())
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, 3) + bytes([9, 0, 3]))
    found = images.dataset_samples(str(tmp_path), limit=2)
    assert list(found) == ["FashionMNIST #0 (Ankle boot)", "FashionMNIST #1 (T-shirt/top)"]
    np.testing.assert_array_equal(found["FashionMNIST #1 (T-shirt/top)"][..., 1], pixels[1].astype(np.uint8))
