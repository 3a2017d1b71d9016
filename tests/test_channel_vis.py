"""What a channel wants: gradient ascent on the input (core), its guards, and the Inside panel (AppTest)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from alexnet_core.inside import channel_vis as V
from alexnet_core.inside import images
from alexnet_core.spec import presets
from alexnet_core.weights.source import WeightsSource, load
from tests.helpers import app_test

SIZE = 96  # small and fast; the property holds with a wide margin here (worst of 40 channels: 7x)
FAST = V.Settings(steps=128)  # the default jitter, blur and polish, half the default steps


@pytest.fixture(scope="module")
def model():
    return load(WeightsSource(seed=0), presets.get("torchvision").spec).model


def baselines(model, label: str, channel: int) -> dict[str, float]:
    """The channel's mean for uniform pixel noise and for each sample photo, preprocessed as the page does."""
    noise = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    inputs = {"noise": noise} | {name: images.builtin(name) for name in images.PHOTOS}
    return {name: V.channel_mean(model, label, channel, images.preprocess(img, SIZE).tensor)
            for name, img in inputs.items()}


@pytest.mark.parametrize("label,channel", [("relu1", 0), ("relu1", 5), ("relu3", 0), ("relu3", 5),
                                           ("relu5", 0), ("relu5", 5)])
def test_the_picture_raises_the_channel_3x_over_noise_and_every_sample_photo(model, label, channel):
    r = V.visualise(model, label, channel, SIZE, FAST)
    assert r.image.shape == (1, 3, SIZE, SIZE)
    assert r.image.abs().max().item() <= V.PIXEL_BOUND + 1e-6  # every normalised pixel within ±3
    assert r.final == pytest.approx(V.channel_mean(model, label, channel, r.image), rel=1e-5)
    base = baselines(model, label, channel)
    assert all(b >= 0 for b in base.values())  # after a ReLU: a ratio means something
    for name, b in base.items():
        assert r.final >= 3 * b, (name, r.final, base)
    assert r.final > 0


def test_same_settings_same_picture_and_the_shared_model_is_untouched(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    a = V.visualise(model, "conv2", 3, 64, V.Settings(steps=12))
    b = V.visualise(model, "conv2", 3, 64, V.Settings(steps=12))
    c = V.visualise(model, "conv2", 3, 64, V.Settings(steps=12, seed=1))
    torch.testing.assert_close(a.image, b.image, rtol=0, atol=0)
    assert not torch.equal(a.image, c.image)
    assert all(p.grad is None for p in model.parameters())
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k], rtol=0, atol=0)


def test_progress_is_called_every_step_and_what_it_raises_stops_the_run(model):
    seen: list[tuple[int, int]] = []
    V.visualise(model, "relu1", 0, 64, V.Settings(steps=10), lambda s, n, _m: seen.append((s, n)))
    assert seen == [(s, 10) for s in range(1, 11)]

    class Stop(Exception):
        pass

    def stop_at_3(step: int, _n: int, _m: float) -> None:
        if step == 3:
            raise Stop

    with pytest.raises(Stop):
        V.visualise(model, "relu1", 0, 64, V.Settings(steps=10), stop_at_3)


@pytest.mark.parametrize("settings,needle", [
    (V.Settings(steps=0), "steps must be between 1 and 1024"),
    (V.Settings(steps=10**9), "steps must be between"),
    (V.Settings(jitter=-1), "jitter must be between"),
    (V.Settings(lr=5.0), "lr must be between"),
    (V.Settings(polish=2.0), "polish must be between 0 and 1"),
    (V.Settings(blur_sigma=0.0), "blur sigma must be between"),
])
def test_bad_settings_give_one_sentence_before_any_work(model, settings, needle):
    with pytest.raises(V.VisError) as err:
        V.visualise(model, "relu1", 0, 64, settings)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_layer_without_channels_or_a_channel_out_of_range_is_one_sentence(model):
    with pytest.raises(V.VisError, match="fc6 is not a spatial layer"):
        V.visualise(model, "fc6", 0, 64, V.Settings(steps=2))
    with pytest.raises(V.VisError, match="relu2 has channels 0–191; there is no channel 192"):
        V.visualise(model, "relu2", 192, 64, V.Settings(steps=2))


def test_stages_run_to_the_layer_the_capture_shows(model):
    from alexnet_core.inside import activations as A

    x = images.preprocess(images.builtin("pattern: disk"), 64).tensor
    cap = A.capture(model, x)
    for label in cap.spatial_labels():
        with torch.inference_mode():
            out = V.run_to(V.stages(model, label), x)[0]
        torch.testing.assert_close(out, cap.outputs[label], rtol=1e-5, atol=1e-5 * cap.outputs[label].abs().max().item())


def test_a_grey_network_and_the_display_image():
    spec = presets.get("small_input").spec  # 1 channel
    m = load(WeightsSource(seed=0), spec).model
    r = V.visualise(m, "relu2", 1, 64, V.Settings(steps=8))
    assert r.image.shape == (1, 1, 64, 64)
    shown = V.shown(r.image, *images.normalisation(1))
    assert shown.shape == (64, 64, 3) and shown.dtype == np.uint8
    assert (shown[..., 0] == shown[..., 1]).all()  # grey
    mean, std = images.normalisation(3)
    flat = torch.zeros(1, 3, 4, 4)  # the mean colour itself
    np.testing.assert_allclose(V.shown(flat, mean, std)[0, 0], np.round(np.array(mean) * 255), atol=1)
    assert V.shown(torch.full((1, 3, 2, 2), 3.0), mean, std).max() == 255  # clipped, not wrapped


def test_gaussian_blur_keeps_a_flat_image_and_its_size():
    x = torch.full((1, 3, 9, 7), 0.7)
    torch.testing.assert_close(V.gaussian_blur(x, 0.5), x)
    spike = torch.zeros(1, 1, 5, 5)
    spike[0, 0, 2, 2] = 1
    out = V.gaussian_blur(spike, 0.5)
    assert out.sum().item() == pytest.approx(1, rel=1e-5) and out[0, 0, 2, 2] < 1


# ---------------------------------------------------------------- the panel on the page (AppTest)

PAGE = "pages/inside.py"
SMALL = {"variant": "torchvision", "size": "64"}


def test_panel_is_off_by_default_and_the_page_makes_nothing():
    at = app_test(PAGE, SMALL)
    assert not at.exception, at.exception
    assert at.toggle(key="inside_vis").value is False
    assert any("gradient ascent" in c.value for c in at.caption)


def test_panel_on_makes_the_picture_next_to_the_channel_and_caches_it():
    at = app_test(PAGE, SMALL)
    at.number_input(key="inside_vis_steps").set_value(16)
    at.toggle(key="inside_vis").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    text = " ".join(c.value for c in at.caption)
    assert "16 steps of gradient ascent" in text and "±3" in text
    assert len(at.get("plotly_chart")) == 1  # the enlarged channel; the pictures are inline SVG
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg")]
    assert any('aria-label="what ' in s and " wants" in s and "<image" in s for s in svgs)  # the channel's picture
    from ui.inside import channel

    assert len(channel.pictures()) >= 1
    at.run()  # the same channel again: from the cache, the same sentence
    assert not at.exception and "16 steps of gradient ascent" in " ".join(c.value for c in at.caption)


def test_a_second_picture_in_the_same_session_is_refused_in_one_sentence():
    at = app_test(PAGE, SMALL)
    lock = threading.Lock()
    lock.acquire()  # as if this session's earlier picture were still being made
    at.session_state["_inside_vis_lock"] = lock
    at.toggle(key="inside_vis").set_value(True).run()
    assert not at.exception
    assert any("already being made" in w.value for w in at.warning), [w.value for w in at.warning]


def test_a_checkpoint_gets_its_picture_under_its_own_spec_and_normalisation():
    """A width-×0.25 digits checkpoint (grey statistics, 3-channel spec): the picture is made for its
    weights at its size, and shown through its own training statistics."""
    from alexnet_core.training import presets as train_presets
    from alexnet_core.training.jobs import run_job
    from alexnet_core.training.store import Store
    from ui.inside import channel

    cfg = train_presets.get("cpu_digits_adam_lr0.001").config
    cfg = type(cfg).from_dict({**cfg.to_dict(), "epochs": 1, "train_limit": 64, "test_limit": 32})
    store = Store()
    rid = store.create("digits", presets.get("torchvision").spec.to_dict(), cfg.to_dict(), "cpu", status="running")
    assert run_job(store, store.get(rid)) == "done"
    at = app_test(PAGE, SMALL)
    at.selectbox(key="inside_weights").set_value("checkpoint (Training page)").run()
    at.selectbox(key="inside_ckpt").set_value(f"run_{rid:05d}/model.pt").run()
    at.number_input(key="inside_vis_steps").set_value(8)
    at.toggle(key="inside_vis").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "8 steps of gradient ascent" in " ".join(c.value for c in at.caption)
    made = [k for k in channel.pictures()._items if k[-1][0] == 8]
    assert made and all(k[3] == cfg.input_size and len(k[4]) == 1 for k in made)  # its size, its grey mean
