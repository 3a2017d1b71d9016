"""One WeightsSource, one load(): every kind, one mismatch message, checkpoint and resume files.

Nothing here downloads: the pretrained path reads a small file the test writes into the
temporary torch cache (conftest points TORCH_HOME at a tmp folder)."""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import replace

import pytest
import torch

from alexnet_core.arch.build import build_model
from alexnet_core.paths import runs_dir
from alexnet_core.spec import presets
from alexnet_core.spec.parse import spec_from_dict
from alexnet_core.spec.types import ArchSpec, Classifier, ConvBlock, Pool, SpecError
from alexnet_core.weights import checkpoint as ck
from alexnet_core.weights import imagenet
from alexnet_core.weights import source as weights
from alexnet_core.weights.source import Kind, WeightsError, WeightsSource, WeightsUnavailable, load

TINY = ArchSpec(name="tiny", convs=(ConvBlock(8, 5, 2, 2, pool=Pool(3, 2)), ConvBlock(12, 3, 1, 1, pool=Pool(3, 2))),
                feature_size=(2, 2), classifier=Classifier(hidden=(16,)), num_classes=5)
OTHER = TINY.with_(name="other", convs=(TINY.convs[0], ConvBlock(10, 3, 1, 1, pool=Pool(3, 2))))
TRAINED = ck.TrainedWith(48, (0.25,), (0.5,), tuple("abcde"), "digits")


def state_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for k, v in b.state_dict().items():
        torch.testing.assert_close(a.state_dict()[k], v)


def test_torchvision_preset_has_torchvisions_state_dict():
    import torchvision

    with torch.device("meta"):
        theirs = torchvision.models.alexnet().state_dict()
    ours = build_model(presets.get("torchvision").spec, device="meta").state_dict()
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == theirs[k].shape for k in ours)


def test_random_is_seeded_and_follows_the_scheme():
    spec = presets.get("paper2012").spec.with_(classifier=Classifier(hidden=(32, 32)))  # small head: fast
    a, b = load(WeightsSource(seed=3), spec), load(WeightsSource(seed=3), spec)
    same_weights(a.model, b.model)
    assert a.spec == spec and not a.own_spec and a.classes is None and not a.model.training
    assert (a.model.features[4].bias == 1).all()  # the paper's bias 1 in conv2
    assert not torch.equal(load(WeightsSource(seed=4), TINY).model.features[0].weight,
                           load(WeightsSource(seed=5), TINY).model.features[0].weight)


def test_pretrained_offline_says_where_to_put_the_file():
    assert not imagenet.is_cached()
    with pytest.raises(WeightsUnavailable) as err:
        load(WeightsSource(Kind.PRETRAINED), presets.get("torchvision").spec)
    path = imagenet.cache_path()
    assert str(path) in str(err.value) and path.name == "alexnet-owt-7be5be79.pth"
    assert str(path).startswith(str(torch.hub.get_dir()))


def test_pretrained_reads_the_cached_file_and_names_the_first_misfit():
    src = build_model(TINY, seed=11)
    path = imagenet.cache_path()
    path.parent.mkdir(parents=True)
    torch.save(src.state_dict(), path)  # a small file under torchvision's own name and folder
    got = load(WeightsSource(Kind.PRETRAINED), TINY)
    same_weights(got.model, src)
    assert got.classes == imagenet.torchvision_entry().categories and len(got.classes) == 1000
    with pytest.raises(WeightsError, match=r"features\.0\.weight is \(8, 3, 5, 5\) in the file but \(64, 3, 11, 11\) here"):
        load(WeightsSource(Kind.PRETRAINED), presets.get("torchvision").spec)


def test_fetch_offline_is_one_sentence(monkeypatch):
    import urllib.request

    def offline(*a, **k):
        raise OSError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(WeightsUnavailable) as err:
        load(WeightsSource(Kind.PRETRAINED), TINY, download=True)
    assert str(imagenet.cache_path()) in str(err.value) and not imagenet.is_cached()


def test_upload_loads_and_the_mismatch_message_names_the_first_tensor():
    src = build_model(TINY, seed=7)
    got = load(WeightsSource.upload(state_bytes(src.state_dict()), "mine.pth"), TINY)
    same_weights(got.model, src)
    assert got.source.data is None and got.source.key == WeightsSource.upload(state_bytes(src.state_dict()), "x.pt").key
    data = state_bytes(src.state_dict())
    want = r"^mine\.pth does not fit this spec: features\.3\.weight is \(12, 8, 3, 3\) in the file but \(10, 8, 3, 3\) here$"
    with pytest.raises(WeightsError, match=want):
        load(WeightsSource.upload(data, "mine.pth"), OTHER)
    partial = dict(src.state_dict())
    del partial["classifier.1.bias"]
    with pytest.raises(WeightsError, match=r"no tensor classifier\.1\.bias"):
        load(WeightsSource.upload(state_bytes(partial), "mine.pth"), TINY)
    extra = {**src.state_dict(), "head.weight": torch.zeros(1)}
    with pytest.raises(WeightsError, match=r"tensor head\.weight that this spec does not have"):
        load(WeightsSource.upload(state_bytes(extra), "mine.pth"), TINY)


def test_batchnorm_counters_are_optional_in_a_file():
    spec = TINY.with_(convs=tuple(replace(c, batchnorm=True) for c in TINY.convs))
    src = build_model(spec, seed=2)
    state = weights.without_counters(src.state_dict())
    assert len(state) < len(src.state_dict()) and not any(weights.is_counter(k) for k in state)
    same_weights(load(WeightsSource.upload(state_bytes(state), "bn.pt"), spec).model, src)


@pytest.mark.parametrize("data,name,needle", [
    (b"\x00garbage" * 50, "w.pt", "not a readable PyTorch weights file"),
    (state_bytes({"ns": argparse.Namespace(a=1)}), "w.pt", "not a readable PyTorch weights file"),
    (state_bytes([1, 2, 3]), "w.pt", "does not hold a state_dict"),
    (state_bytes({"a": 1}), "w.pth", "does not hold a state_dict"),
    (b"irrelevant", "w.onnx", "not a .pt or .pth file"),
])
def test_malformed_state_dicts_give_one_clear_sentence(data, name, needle):
    with pytest.raises(WeightsError) as err:
        load(WeightsSource.upload(data, name), TINY)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_upload_size_cap(monkeypatch):
    monkeypatch.setattr(weights, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(WeightsError, match="MB are accepted"):
        load(WeightsSource.upload(state_bytes(build_model(TINY).state_dict()), "w.pt"), TINY)


def test_a_checkpoint_brings_its_own_spec_and_how_it_was_trained():
    src = build_model(TINY, seed=9)
    ck.save_checkpoint(runs_dir() / "run1" / "last.pt", TINY, src, {"epoch": 3}, TRAINED)
    torch.save({"optimizer": {}}, runs_dir() / "run1" / "resume.pt")  # training's resume state: not offered
    assert weights.checkpoint_files() == ["run1/last.pt"]
    got = load(WeightsSource(Kind.CHECKPOINT, checkpoint="run1/last.pt"), presets.get("torchvision").spec)
    assert got.spec == TINY and got.own_spec  # the sidebar's spec is not forced on it
    same_weights(got.model, src)
    assert got.trained == TRAINED and got.classes == tuple("abcde") and got.input_size(224) == 48
    assert got.describe(224) == ("Using the checkpoint's own spec: tiny (conv widths 8-12, 3 in, 5 classes), "
                                 "trained at 48 px on digits.")


def test_an_old_checkpoint_without_training_fields_falls_back():
    ck.save_checkpoint(runs_dir() / "old.pt", TINY, build_model(TINY, seed=1), {"epoch": 1})
    got = load(WeightsSource(Kind.CHECKPOINT, checkpoint="old.pt"), presets.get("torchvision").spec)
    assert got.spec == TINY and got.trained == ck.TrainedWith() and got.classes is None
    assert got.input_size(64) == 64 and "64 px (the file does not say its size)" in got.describe(64)


def test_checkpoint_errors_are_one_sentence():
    with pytest.raises(WeightsError, match="outside"):
        load(WeightsSource(Kind.CHECKPOINT, checkpoint="../../etc/passwd"), TINY)
    runs_dir().mkdir(parents=True, exist_ok=True)
    (runs_dir() / "broken.pt").write_bytes(b"nope")
    with pytest.raises(WeightsError, match="not a readable checkpoint"):
        load(WeightsSource(Kind.CHECKPOINT, checkpoint="broken.pt"), TINY)
    with pytest.raises(WeightsError, match="choose a checkpoint"):
        load(WeightsSource(Kind.CHECKPOINT), TINY)


@pytest.mark.parametrize("value", [0.5, "weights", None, [1, 2], {"a": torch.zeros(1)}])
def test_a_checkpoint_whose_state_dict_holds_a_non_tensor_is_refused_in_one_sentence(value):
    state = build_model(TINY, seed=0).state_dict()
    key = next(iter(state))
    path = runs_dir() / "odd.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": 1, "spec": TINY.to_dict(), "state_dict": {**state, key: value}, "meta": {}}, path)
    with pytest.raises(WeightsError, match=f"holds '{key}' that is not a tensor"):
        load(WeightsSource(Kind.CHECKPOINT, checkpoint="odd.pt"), TINY, size=32)


def test_checkpoint_meta_round_trip_checks_every_field():
    path = runs_dir() / "m.pt"
    ck.save_checkpoint(path, TINY, build_model(TINY, seed=1), {"epoch": 2, "test_acc": 0.5}, TRAINED)
    got = ck.load_checkpoint(path)
    assert got.spec == TINY and got.trained == TRAINED and got.meta["epoch"] == 2 and got.meta["test_acc"] == 0.5
    bad = {"input_size": True, "mean": [0.1, float("nan")], "std": [0.2, 0.2], "classes": ["a", "b"],
           "dataset": 7}
    assert ck.TrainedWith.from_meta(bad, TINY) == ck.TrainedWith()  # 2 names for 5 classes: none
    assert ck.TrainedWith.from_meta({"mean": [0.1], "std": [0.0]}, TINY).mean is None  # a zero std is no std
    assert ck.TrainedWith.from_meta({"class_names": list("vwxyz")}, TINY).classes == tuple("vwxyz")


def test_resume_round_trip_and_atomic_write(monkeypatch):
    model = build_model(TINY, seed=3)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(2, 3, 32, 32)).sum().backward()
    opt.step()
    path = runs_dir() / "run_00001" / ck.RESUME_FILE
    ck.save_resume(path, model, opt, 2, {"test_acc": 0.25})
    state = ck.load_resume(path)
    assert state["epoch"] == 2 and state["metrics"] == {"test_acc": 0.25}
    again = build_model(TINY, seed=None)
    again.load_state_dict(state["model"])
    same_weights(again, model)
    opt2 = torch.optim.Adam(again.parameters(), lr=1e-3)
    opt2.load_state_dict(state["optimizer"])
    torch.testing.assert_close(opt2.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])

    # A write killed half-way leaves the old file whole and no file under the real name half-written.
    def dies(obj, f, *a, **k):
        with open(f, "wb") as out:
            out.write(b"half")
        raise KeyboardInterrupt

    real_save = torch.save
    monkeypatch.setattr(torch, "save", dies)
    with pytest.raises(KeyboardInterrupt):
        ck.save_resume(path, model, opt, 3, {"test_acc": 0.5})
    with pytest.raises(KeyboardInterrupt):
        ck.save_checkpoint(runs_dir() / "run_00001" / ck.MODEL_FILE, TINY, model)
    monkeypatch.setattr(torch, "save", real_save)  # not undo(): that would drop the isolated runs folder too
    assert ck.load_resume(path)["epoch"] == 2
    assert not (runs_dir() / "run_00001" / ck.MODEL_FILE).exists()
    torch.save({"model": {}}, path)
    with pytest.raises(ck.CheckpointError, match="not a training resume file"):
        ck.load_resume(path)


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def _save_raised_limit(payload, path) -> None:
    """torch.save pickles recursively: a hostile file is written with a raised limit, read with the usual one."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 30_000))
    try:
        torch.save(payload, path)
    finally:
        sys.setrecursionlimit(old)


def _with(spec: dict, where: str, value) -> dict:
    if where == "kernel":
        spec["convs"][0]["kernel"] = value
    elif where == "alpha":
        spec["convs"][0]["lrn"] = {"alpha": value}
    else:
        spec[where] = value
    return spec


@pytest.mark.parametrize("where,value", [
    ("kernel", _nested(5000)), ("in_channels", _nested(5000)), ("init", _nested(5000)),
    ("log_softmax", _nested(5000)), ("version", _nested(5000)),
], ids=["kernel", "in_channels", "init", "log_softmax", "version"])
def test_a_checkpoint_whose_spec_is_nested_or_sized_absurdly_is_one_sentence(where, value):
    path = runs_dir() / "deep.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_raised_limit({"format": 1, "spec": _with(TINY.to_dict(), where, value),
                        "state_dict": build_model(TINY, seed=0).state_dict(), "meta": {}}, path)
    with pytest.raises(ck.CheckpointError, match="records a spec that cannot be used") as err:
        ck.load_checkpoint(path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300
    with pytest.raises(WeightsError, match="cannot be used"):
        load(WeightsSource(Kind.CHECKPOINT, checkpoint="deep.pt"), TINY, size=32)


def test_a_symlink_in_the_runs_folder_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "elsewhere" / "model.pt"
    ck.save_checkpoint(outside, TINY, build_model(TINY, seed=0))
    runs_dir().mkdir(parents=True, exist_ok=True)
    (runs_dir() / "link.pt").symlink_to(outside)
    with pytest.raises(WeightsError, match="outside") as err:
        load(WeightsSource(Kind.CHECKPOINT, checkpoint="link.pt"), TINY, size=32)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("where", ["kernel", "alpha", "in_channels"])
def test_a_spec_dict_with_a_number_thousands_of_digits_long_is_one_sentence(where):
    # torch's weights-only reader refuses such a number itself; a dict from anywhere else must not crash either
    with pytest.raises(SpecError, match="-bit number") as err:
        spec_from_dict(_with(TINY.to_dict(), where, 10 ** 5000))
    assert len(str(err.value)) < 200


def test_the_load_estimate_is_known_before_a_byte_is_read():
    from alexnet_core.arch import budget

    assert weights.load_estimate(WeightsSource(Kind.RANDOM), TINY) == budget.param_bytes(TINY)
    wide = TINY.with_(classifier=Classifier(hidden=(16384,) * 6))
    assert budget.param_problem(wide) and weights.load_estimate(WeightsSource(Kind.RANDOM), wide) == 0  # refused
    path = ck.save_checkpoint(runs_dir() / "est.pt", TINY, build_model(TINY, seed=0))
    got = weights.load_estimate(WeightsSource(Kind.CHECKPOINT, checkpoint="est.pt"), wide)  # the sidebar's: unused
    assert got == 2 * path.stat().st_size and got >= 2 * budget.param_bytes(TINY)
    for missing in ("nope.pt", "../../etc/passwd", ""):
        assert weights.load_estimate(WeightsSource(Kind.CHECKPOINT, checkpoint=missing), TINY) == 0
