"""The training loop and the datasets: real (tiny) training runs, real files written by the test."""

from __future__ import annotations

import os
import pickle
import struct

import numpy as np
import pytest
import torch

from alexnet_core.arch.build import build_model, count_params
from alexnet_core.paths import data_dir
from alexnet_core.spec import presets as variants
from alexnet_core.training import data as D
from alexnet_core.training import presets as train_presets
from alexnet_core.training.loop import (
    PrintCallbacks,
    TrainConfig,
    TrainingFailed,
    fit,
    scaled_spec,
)

TINY = dict(width=0.125, input_size=64, batch_size=64)


def test_offline_digits_job_learns_well_above_chance():
    cb = PrintCallbacks()
    last = fit(variants.get("torchvision").spec, TrainConfig(epochs=3, **TINY), cb)
    assert len(cb.epochs) == 3
    assert last["test_acc"] > 0.3  # chance is 0.1 on 10 digits
    assert cb.epochs[-1]["train_loss"] < cb.epochs[0]["train_loss"]
    assert cb.info["train_size"] == 1437 and cb.info["test_size"] == 360
    assert all(np.isfinite(s["loss"]) for s in cb.steps)


def test_digits_split_is_deterministic_and_disjoint():
    a, b = D.load("digits", train=True), D.load("digits", train=False)
    assert len(a) + len(b) == 1797
    assert a.images.dtype == torch.uint8 and a.images.shape[1:] == (1, 8, 8)
    assert torch.equal(a.images, D.load("digits", train=True).images)
    assert set(a.labels.tolist()) == set(range(10)) == set(b.labels.tolist())


def test_prepare_flip_is_an_exact_mirror_and_resizes_on_the_tensor_device():
    data = D.load("digits", train=True).subset(32)
    mean, std = torch.zeros(1, 1, 1, 1), torch.ones(1, 1, 1, 1)
    plain = D.prepare(data.images, 8, mean=mean, std=std)
    flipped = D.prepare(data.images, 8, mean=mean, std=std, aug=D.Augment(flip=True),
                        generator=torch.Generator().manual_seed(0))
    mirrored = [torch.allclose(flipped[i], plain[i].flip(-1), atol=1e-5) for i in range(32)]
    same = [torch.allclose(flipped[i], plain[i], atol=1e-5) for i in range(32)]
    assert all(m or s for m, s in zip(mirrored, same, strict=True)) and 4 < sum(mirrored) < 28
    big = D.prepare(data.images, 64, mean=mean, std=std, aug=D.Augment(True, 0.125, 0.3), channels=3,
                    generator=torch.Generator().manual_seed(1), channels_last=True)
    assert big.shape == (32, 3, 64, 64) and big.is_contiguous(memory_format=torch.channels_last)
    assert big.dtype == torch.float32 and 0 <= float(big.min()) and float(big.max()) <= 1


def test_width_multiplier_scales_channels_and_respects_groups():
    paper = variants.get("paper2012").spec
    half = scaled_spec(paper, 0.5, in_channels=3, num_classes=10)
    assert [c.out_channels for c in half.convs] == [48, 128, 192, 192, 128]
    assert all(c.out_channels % c.groups == 0 for c in half.convs)
    assert half.classifier.hidden == (2048, 2048) and half.num_classes == 10
    full = build_model(scaled_spec(paper, 1.0, in_channels=3, num_classes=10), seed=0)
    assert count_params(build_model(half, seed=0)) < count_params(full) / 3


def test_nan_loss_is_a_failure_reason():
    cfg = TrainConfig(epochs=2, optimizer="sgd", lr=10, train_limit=320, test_limit=64, log_every=1,
                      **{**TINY, "batch_size": 32})
    with pytest.raises(TrainingFailed, match="NaN"):
        fit(variants.get("torchvision").spec, cfg, PrintCallbacks())


def test_out_of_memory_is_a_failure_reason(monkeypatch):
    from alexnet_core.training import loop as T

    real = T.build_model

    def oom_model(spec, **kw):
        model = real(spec, **kw)

        def boom(x):
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        model.forward = boom
        return model
    monkeypatch.setattr(T, "build_model", oom_model)
    with pytest.raises(TrainingFailed, match="out of memory .* batch size 64"):
        fit(variants.get("torchvision").spec, TrainConfig(epochs=1, train_limit=64, **TINY), PrintCallbacks())


@pytest.mark.parametrize("setting,value", [("weight_decay", -1.0), ("weight_decay", float("nan")),
                                           ("momentum", 1.5), ("momentum", float("-inf")), ("crop", 1e308),
                                           ("crop", float("nan")), ("jitter", -0.5), ("jitter", 3.0)])
def test_out_of_range_or_nan_optimizer_and_augmentation_settings_are_refused_before_a_run(setting, value):
    """Such values passed check() and broke later: torch's optimizer raised in the worker, or a huge crop
    made every augmented batch NaN."""
    with pytest.raises(ValueError, match=f"{setting} must be between"):
        TrainConfig(**{setting: value}).check()


def test_bad_settings_fail_with_one_clear_line():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="rmsprop").check()
    with pytest.raises(TrainingFailed, match="input size 64 px does not fit"):
        fit(variants.get("fashion_mnist").spec, TrainConfig(epochs=1, input_size=64), PrintCallbacks())


# ---------------------------------------------------------------- torchvision-format files


def _write_idx(folder, prefix, images: np.ndarray, labels: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    n, h, w = images.shape
    (folder / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 2051, n, h, w) + images.tobytes())
    (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())


@pytest.mark.parametrize("name,folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_idx_files_load_through_torchvision_and_train(name, folder):
    rng = np.random.default_rng(0)
    raw = data_dir() / folder / "raw"
    tr_x, tr_y = rng.integers(0, 256, (96, 28, 28), dtype=np.uint8), rng.integers(0, 10, 96, dtype=np.uint8)
    te_x, te_y = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), rng.integers(0, 10, 40, dtype=np.uint8)
    _write_idx(raw, "train", tr_x, tr_y)
    _write_idx(raw, "t10k", te_x, te_y)
    train, test = D.load(name, train=True), D.load(name, train=False)
    assert train.images.shape == (96, 1, 28, 28) and torch.equal(train.images[:, 0], torch.from_numpy(tr_x))
    assert torch.equal(test.labels, torch.from_numpy(te_y.astype(np.int64)))
    cb = PrintCallbacks()
    fit(variants.get("small_input").spec, TrainConfig(dataset=name, epochs=1, **TINY), cb)
    assert cb.info["train_size"] == 96 and 0 <= cb.epochs[0]["test_acc"] <= 1


def test_cifar_batch_files_load_and_a_hostile_pickle_is_refused():
    rng = np.random.default_rng(1)
    folder = data_dir() / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = {}
    for f in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        x = rng.integers(0, 256, (12, 3072), dtype=np.uint8)
        y = rng.integers(0, 10, 12).tolist()
        written[f] = (x, y)
        (folder / f).write_bytes(pickle.dumps({"data": x, "labels": y, "batch_label": f}))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": names}))
    train, test = D.load("cifar10", train=True), D.load("cifar10", train=False)
    assert train.images.shape == (60, 3, 32, 32) and test.classes == tuple(names)
    assert torch.equal(test.images.reshape(12, -1), torch.from_numpy(written["test_batch"][0]))
    assert train.labels.tolist()[:12] == written["data_batch_1"][1]

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    (folder / "test_batch").write_bytes(pickle.dumps({"data": Evil()}))
    with pytest.raises(D.DatasetError, match="not allowed"):
        D.load("cifar10", train=False)


def test_offline_and_absent_names_the_folder_and_files():
    with pytest.raises(D.DatasetError) as err:
        D.load("fashion_mnist", train=True)
    msg = str(err.value)
    assert str(data_dir() / "FashionMNIST" / "raw") in msg and "train-images-idx3-ubyte" in msg
    with pytest.raises(D.DatasetError, match="batches.meta"):
        D.load("cifar10", train=True)


def test_image_folder_only_inside_the_data_folder():
    from PIL import Image

    for cls, colour in (("red", (255, 0, 0)), ("blue", (0, 0, 255))):
        (data_dir() / "shapes" / cls).mkdir(parents=True)
        for i in range(5):
            Image.new("RGB", (20 + i, 30), colour).save(data_dir() / "shapes" / cls / f"{i}.png")
    train, test = D.load("folder:shapes", train=True), D.load("folder:shapes", train=False)
    assert len(train) + len(test) == 10 and train.classes == ("blue", "red")
    blue = train.images[train.labels == 0].float()
    assert float(blue[:, 2].mean()) > 250 and float(blue[:, 0].mean()) < 5
    with pytest.raises(ValueError, match="outside"):
        D.load("folder:../../etc", train=True)


@pytest.mark.parametrize("preset_id", list(train_presets.PRESETS))
def test_every_training_preset_is_a_valid_setup(preset_id):
    from alexnet_core.arch.shapes import check_input

    p = train_presets.get(preset_id)
    cfg = p.config.check()
    spec = scaled_spec(variants.get(p.variant).spec, cfg.width, in_channels=variants.get(p.variant).in_channels,
                       num_classes=10, dropout=cfg.dropout)
    check_input(spec, cfg.input_size)  # raises ShapeError if the preset's size does not fit its network
    assert D.check_name(cfg.dataset) == cfg.dataset
    assert p.gpu == (cfg.input_size == 224) and (p.gpu or cfg.width <= 0.25)
