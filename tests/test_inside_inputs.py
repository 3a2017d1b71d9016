"""Inside the network, inputs: built-in images, guarded uploads, and every weights source.

Nothing here downloads: the pretrained path reads a small file the test writes into the
temporary torch cache (conftest points TORCH_HOME at a tmp folder)."""

from __future__ import annotations

import argparse
import io

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_core.arch.build import build_model
from alexnet_core.inside import images
from alexnet_core.inside.images import ImageError
from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets
from alexnet_core.spec.types import ArchSpec, Classifier, ConvBlock, Pool
from alexnet_core.weights import source as weights
from alexnet_core.weights.checkpoint import save_checkpoint
from alexnet_core.weights.source import WeightsError, WeightsUnavailable

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


def test_valid_uploads_decode():
    img = Image.fromarray(images.checkerboard())
    for fmt in ("PNG", "JPEG", "WEBP"):
        out = images.decode_upload(encoded(img, fmt), f"x.{fmt.lower()}")
        assert out.shape == (256, 256, 3)
    grey = images.decode_upload(encoded(Image.new("L", (30, 20), 128), "PNG"))
    assert grey.shape == (20, 30, 3) and (grey == 128).all()


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
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


def test_upload_size_cap(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ImageError, match="up to 0 MB"):
        images.decode_upload(encoded(Image.fromarray(images.colour_wheel()), "PNG"), "big.png")


def test_dataset_samples_absent_means_none(tmp_path):
    assert images.dataset_samples(str(tmp_path)) == {}


# ---------------------------------------------------------------- weights


def test_torchvision_preset_has_torchvisions_state_dict():
    import torchvision

    with torch.device("meta"):
        theirs = torchvision.models.alexnet().state_dict()
    ours = build_model(presets.get("torchvision").spec, device="meta").state_dict()
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == theirs[k].shape for k in ours)


def test_random_init_is_seeded_and_follows_the_scheme():
    spec = presets.get("paper2012").spec.with_(classifier=Classifier(hidden=(32, 32)))  # small head: fast
    a, b = weights.random_model(spec, 3), weights.random_model(spec, 3)
    torch.testing.assert_close(a.features[0].weight, b.features[0].weight)
    assert (a.features[4].bias == 1).all()  # the paper's bias 1 in conv2
    assert not torch.equal(weights.random_model(TINY, 4).features[0].weight, weights.random_model(TINY, 5).features[0].weight)


def test_pretrained_offline_says_where_to_put_the_file():
    assert not weights.is_cached()
    with pytest.raises(WeightsUnavailable) as err:
        weights.pretrained_model(presets.get("torchvision").spec)
    path = weights.cache_path()
    assert str(path) in str(err.value) and path.name == "alexnet-owt-7be5be79.pth"
    assert str(path).startswith(str(torch.hub.get_dir()))


def test_pretrained_path_reads_the_cached_file():
    source = build_model(TINY, seed=11)
    path = weights.cache_path()
    path.parent.mkdir(parents=True)
    torch.save(source.state_dict(), path)  # a small file under torchvision's own name and folder
    assert weights.is_cached()
    model = weights.pretrained_model(TINY)
    for k, v in source.state_dict().items():
        torch.testing.assert_close(model.state_dict()[k], v)
    assert not model.training
    # the same file does not fit torchvision's spec: the first mismatched tensor is named
    with pytest.raises(WeightsError, match=r"features\.0\.weight is \(8, 3, 5, 5\) in the file but \(64, 3, 11, 11\)"):
        weights.pretrained_model(presets.get("torchvision").spec)
    assert len(weights.torchvision_entry().categories) == 1000


def test_fetch_offline_is_one_sentence(monkeypatch):
    import urllib.request

    def offline(*a, **k):
        raise OSError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(WeightsUnavailable) as err:
        weights.pretrained_model(TINY, download=True)
    assert str(weights.cache_path()) in str(err.value) and not weights.is_cached()


def state_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_uploaded_state_dict_loads_and_checks_shapes():
    source = build_model(TINY, seed=7)
    model = weights.upload_model(TINY, state_bytes(source.state_dict()), "mine.pth")
    torch.testing.assert_close(model.classifier[-1].weight, source.classifier[-1].weight)
    other = ArchSpec(name="t2", convs=(ConvBlock(8, 5, 2, 2, pool=Pool(3, 2)), ConvBlock(10, 3, 1, 1, pool=Pool(3, 2))),
                     feature_size=(2, 2), classifier=Classifier(hidden=(16,)), num_classes=5)
    with pytest.raises(WeightsError, match=r"features\.3\.weight is \(12, 8, 3, 3\) in the file but \(10, 8, 3, 3\) here"):
        weights.upload_model(other, state_bytes(source.state_dict()), "mine.pth")
    partial = dict(source.state_dict())
    del partial["classifier.1.bias"]
    with pytest.raises(WeightsError, match=r"no tensor classifier\.1\.bias"):
        weights.upload_model(TINY, state_bytes(partial), "mine.pth")
    extra = {**source.state_dict(), "head.weight": torch.zeros(1)}
    with pytest.raises(WeightsError, match=r"tensor head\.weight that this spec does not have"):
        weights.upload_model(TINY, state_bytes(extra), "mine.pth")


@pytest.mark.parametrize("data,name,needle", [
    (b"\x00garbage" * 50, "w.pt", "not a readable PyTorch weights file"),
    (state_bytes({"ns": argparse.Namespace(a=1)}), "w.pt", "not a readable PyTorch weights file"),
    (state_bytes([1, 2, 3]), "w.pt", "does not hold a state_dict"),
    (state_bytes({"a": 1}), "w.pth", "does not hold a state_dict"),
    (b"irrelevant", "w.onnx", "not a .pt or .pth file"),
])
def test_malformed_state_dicts_give_one_clear_sentence(data, name, needle):
    with pytest.raises(WeightsError) as err:
        weights.upload_model(TINY, data, name)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_state_dict_size_cap(monkeypatch):
    monkeypatch.setattr(weights, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(WeightsError, match="MB are accepted"):
        weights.upload_model(TINY, state_bytes(build_model(TINY).state_dict()), "w.pt")


def test_checkpoints_from_the_runs_folder():
    source = build_model(TINY, seed=9)
    save_checkpoint(runs_dir() / "run1" / "last.pt", TINY, source, {"classes": list("abcde")})
    torch.save({"optimizer": {}}, runs_dir() / "run1" / "resume.pt")  # training's resume state: not offered
    assert weights.checkpoint_files() == ["run1/last.pt"]
    from alexnet_core.export import exporter
    assert exporter.list_checkpoints() == ["run1/last.pt"]  # the Export page offers the same files
    model, meta = weights.checkpoint_model(TINY, "run1/last.pt")
    torch.testing.assert_close(model.features[0].weight, source.features[0].weight)
    assert meta["classes"] == list("abcde")
    wider = TINY.with_(name="wider", num_classes=7)
    with pytest.raises(WeightsError, match=r"classifier\.3\.weight is \(5, 16\) in the file but \(7, 16\) here \(it was saved for the tiny spec"):
        weights.checkpoint_model(wider, "run1/last.pt")
    with pytest.raises(ValueError, match="outside"):
        weights.checkpoint_model(TINY, "../../etc/passwd")
    (runs_dir() / "broken.pt").write_bytes(b"nope")
    with pytest.raises(WeightsError, match="not a readable checkpoint"):
        weights.checkpoint_model(TINY, "broken.pt")


def test_dataset_samples_found_on_disk(tmp_path):
    """A tiny FashionMNIST test split in torchvision's raw idx format: offered, never downloaded."""
    import struct

    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    pixels = np.arange(3 * 28 * 28, dtype=np.uint32).reshape(3, 28, 28) % 256
    for split in ("train", "t10k"):  # torchvision wants both splits present
        (raw / f"{split}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, 3, 28, 28) + pixels.astype(np.uint8).tobytes())
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, 3) + bytes([9, 0, 3]))
    found = images.dataset_samples(str(tmp_path), limit=2)
    assert list(found) == ["FashionMNIST #0 (Ankle boot)", "FashionMNIST #1 (T-shirt/top)"]
    np.testing.assert_array_equal(found["FashionMNIST #1 (T-shirt/top)"][..., 1], pixels[1].astype(np.uint8))
