"""AppTest: the Inside page run on its own (a deep link), checked against the core's own numbers."""

from __future__ import annotations

import pytest
import streamlit as st
import torch

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import trace
from alexnet_core.inside import activations as A
from alexnet_core.inside import images
from alexnet_core.spec import presets
from alexnet_core.weights import imagenet
from alexnet_core.weights.source import WeightsSource, load
from tests.helpers import app_test

PAGE = "pages/inside.py"


def page(**query):
    at = app_test(PAGE, {"variant": "torchvision", "size": "224", **query})
    assert not at.exception, at.exception
    return at


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def direct_capture(vid: str, size: int, image: str = "photo: china (scikit-learn)", seed: int = 0):
    spec = presets.get(vid).spec
    model = load(WeightsSource(seed=seed), spec).model
    return model, A.capture(model, images.preprocess(images.builtin(image), size, spec.in_channels).tensor)


def test_default_page_shows_the_conv1_grid_capped_and_downsampled():
    at = page()
    assert at.selectbox(key="inside_layer").value == "conv1"
    text = captions(at)
    assert "showing the 16 most active of 64 channels (at most 64), each downsampled from 55×55 to 48×48" in text
    assert "The full receptive field of a conv1 unit is 11×11 px" in text
    assert len(at.get("plotly_chart")) == 1  # the enlarged channel (its units are clicked)
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg")]  # the grid and the receptive field
    assert any('aria-label="feature maps of 16 channels, 48×48 each"' in s for s in svgs)
    assert any('aria-label="receptive field of conv1[' in s for s in svgs)


def test_switching_layer_and_topk_updates_the_grid():
    at = page()
    at.selectbox(key="inside_layer").set_value("conv3").run()
    assert not at.exception
    assert "of 384 channels (at most 64), each 13×13" in captions(at)
    at.slider(key="inside_topk").set_value(40).run()
    assert "showing the 40 most active of 384" in captions(at)
    at.number_input(key="inside_row").set_value(0).run()
    at.number_input(key="inside_col").set_value(12).run()
    # conv3[0, 12] at 224 px: exact input box from the interval walk, reported on screen
    box = A.rf_box(trace(presets.get("torchvision").spec, 224), "conv3", 0, 12)
    assert f"Pixels x {box.x0:g}–{box.x1:g}, y {box.y0:g}–{box.y1:g}" in captions(at)


def test_statistics_table_equals_a_direct_capture():
    at = page()
    at.radio(key="inside_view").set_value("Statistics").run()
    assert not at.exception
    df = at.dataframe[0].value
    _, cap = direct_capture("torchvision", 224)
    want = A.layer_stats(cap)
    assert list(df["layer"]) == [s.label for s in want]
    for got, s in zip(df.itertuples(), want, strict=True):
        assert got.mean == pytest.approx(s.mean, rel=1e-5, abs=1e-7)
        assert got.zeros == pytest.approx(s.zeros)
    assert df.set_index("layer").loc["relu1", "zeros"] > 0


def test_prediction_and_saliency_with_random_weights():
    at = page()
    at.radio(key="inside_view").set_value("Prediction").run()
    df = at.dataframe[0].value
    _, cap = direct_capture("torchvision", 224)
    want = A.top5(cap.logits, None)
    assert list(df["index"]) == [i for i, _, _ in want] and list(df["class"])[0] == f"class {want[0][0]}"
    before = len(at.get("image"))  # the preprocessing expander's two
    at.toggle(key="inside_saliency").set_value(True).run()
    assert not at.exception and len(at.get("image")) == before + 2
    at.radio(key="inside_sal_method").set_value("Grad-CAM").run()
    assert not at.exception and len(at.get("image")) == before + 2


def test_views_run_for_a_one_channel_preset():
    at = app_test(PAGE, {"variant": "small_input", "size": "64"})
    assert not at.exception
    for view in ("Statistics", "conv1 filters", "Prediction", "Activation functions"):
        at.radio(key="inside_view").set_value(view).run()
        assert not at.exception, view
        if view == "conv1 filters":
            assert "64 filters of 1×11×11" in captions(at) and "grey mean" in captions(at)
    at.toggle(key="inside_act_compare").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == 2


def test_filters_view_names_the_shape_and_the_source():
    at = page()
    at.radio(key="inside_view").set_value("conv1 filters").run()
    assert "64 filters of 3×11×11" in captions(at)
    assert "Random init: noise" in captions(at)


def test_an_impossible_size_is_one_error():
    at = app_test(PAGE, {"variant": "unpadded_classic", "size": "224"})
    assert not at.exception
    assert "accepts 227–258 px" in at.error[0].value


def test_pretrained_offline_is_a_clear_sentence_not_a_traceback():
    st.cache_resource.clear()
    at = page()
    at.selectbox(key="inside_weights").set_value("torchvision ImageNet").run()
    assert not at.exception
    assert str(imagenet.cache_path()) in at.warning[0].value
    assert at.button(key="inside_download").label.startswith("Download")


def _write_fp16_torchvision_file() -> dict[str, torch.Tensor]:
    """A real-shaped torchvision state dict in half precision (~120 MB) under torchvision's file name."""
    model = build_model(presets.get("torchvision").spec, seed=21)
    state = {k: v.half() for k, v in model.state_dict().items()}
    path = imagenet.cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return state


def test_pretrained_weights_from_the_torch_cache_give_imagenet_names():
    st.cache_resource.clear()
    state = _write_fp16_torchvision_file()
    at = page()
    at.selectbox(key="inside_weights").set_value("torchvision ImageNet").run()
    assert not at.exception and not at.warning
    at.radio(key="inside_view").set_value("Prediction").run()
    df = at.dataframe[0].value
    model = build_model(presets.get("torchvision").spec, seed=None).eval()
    model.load_state_dict(state)
    x = images.preprocess(images.builtin("photo: china (scikit-learn)"), 224).tensor
    want = A.top5(A.capture(model, x).logits, imagenet.torchvision_entry().categories)
    assert list(df["class"]) == [name for _, name, _ in want]
    assert set(df["class"]) <= set(imagenet.torchvision_entry().categories)
    # the same file under the paper's spec: the first tensor that does not fit is named
    at.selectbox(key="sb_variant").set_value("paper2012").run()
    assert not at.exception
    assert "features.0.weight is (64, 3, 11, 11) in the file but (96, 3, 11, 11) here" in at.error[0].value
    st.cache_resource.clear()


def test_a_width_quarter_digits_checkpoint_shows_with_its_own_spec_whatever_the_sidebar():
    """The Training page's offline preset trains a width-×0.25 network on digits at 64 px; Inside,
    with the sidebar on torchvision at 224 px, shows that checkpoint with its own spec and size."""
    from alexnet_core.training import presets as train_presets
    from alexnet_core.training.jobs import run_job
    from alexnet_core.training.store import Store

    cfg = train_presets.get("cpu_digits_adam_lr0.001").config
    cfg = type(cfg).from_dict({**cfg.to_dict(), "epochs": 1, "train_limit": 64, "test_limit": 32})
    store = Store()
    rid = store.create("digits", presets.get("torchvision").spec.to_dict(), cfg.to_dict(), "cpu", status="running")
    assert run_job(store, store.get(rid)) == "done"
    at = page()
    at.selectbox(key="inside_weights").set_value("checkpoint (Training page)").run()
    at.selectbox(key="inside_ckpt").set_value(f"run_{rid:05d}/model.pt").run()
    assert not at.exception and not at.error
    assert "Using the checkpoint's own spec: torchvision (conv widths 16-" in at.info[0].value
    assert f"trained at {cfg.input_size} px on digits" in at.info[0].value
    assert "showing the 16 most active of 16 channels" in captions(at)  # conv1's maps: the checkpoint's width, not the sidebar's 64
    assert at.session_state["sb_variant"] == "torchvision"  # the session's spec is left as it is
    at.radio(key="inside_view").set_value("Prediction").run()
    assert not at.exception
    assert set(at.dataframe[0].value["class"]) <= set(map(str, range(10)))  # the checkpoint's class names
    assert any("the training set's mean" in m.value for m in at.markdown)


def test_an_open_tab_keeps_no_model_the_cache_let_go():
    """The view fragment's stored arguments hold the model and capture weakly: with 33 Inside tabs open on
    33 specs the server held every model (8.6 GB at 100 tabs) however the byte cache evicted."""
    import gc
    import weakref

    from ui.inside import cache as inside_cache

    at = page(classes="17")  # a spec of its own, so the model is this test's alone
    models = inside_cache._caches()["models"]
    mine = [weakref.ref(v.model) for k, (v, _) in list(models._items.items()) if v.spec.num_classes == 17]
    assert len(mine) == 1
    app_test("pages/architecture.py")  # as on a server: the next run anywhere replaces the last one's __main__
    inside_cache._caches()["models"].clear()
    inside_cache._caches()["captures"].clear()
    gc.collect()
    assert mine[0]() is None, "a session still holds the evicted model"
    at.selectbox(key="inside_layer").set_value("conv2").run()  # the page builds it again, with no error
    assert not at.exception
    assert "of 192 channels" in captions(at)
    at.radio(key="inside_view").set_value("conv1 filters").run()  # a view that needs the model gets it again
    assert not at.exception
    assert "64 filters of 3×11×11" in captions(at)


def test_the_fragments_ctx_finds_its_model_and_capture_again_after_eviction():
    """A view's fragment rerun after the cache let go: the same weights (seeded) and the same maps."""
    import gc

    from alexnet_core.weights.source import Kind
    from ui.inside import cache as inside_cache
    from ui.inside import context, views

    name = images.builtin_names()[0]
    spec = presets.get("torchvision").spec.with_(num_classes=23)  # this test's own model
    loaded = inside_cache.model(spec, WeightsSource(Kind.RANDOM))
    ctx = context.build(loaded, f"builtin:{name}", inside_cache.builtin_image(name), 224)
    kept = views.held(ctx)
    logits, conv1 = ctx.cap.logits.clone(), ctx.model.features[0].weight.detach().clone()
    del ctx, loaded
    inside_cache._caches()["models"].clear()
    inside_cache._caches()["captures"].clear()
    gc.collect()
    assert kept.model_of() is None and kept.cap_of() is None
    assert torch.equal(kept.cap.logits, logits)
    assert torch.equal(kept.model.features[0].weight, conv1)


def test_a_runs_folder_symlink_pointing_outside_is_an_error_not_a_traceback(tmp_path):
    from alexnet_core.paths import runs_dir
    from alexnet_core.weights import checkpoint as ck

    spec = presets.get("torchvision").spec
    outside = tmp_path / "elsewhere" / "model.pt"
    ck.save_checkpoint(outside, spec, build_model(spec, seed=0))
    runs_dir().mkdir(parents=True, exist_ok=True)
    (runs_dir() / "link.pt").symlink_to(outside)
    at = page()
    at.selectbox(key="inside_weights").set_value("checkpoint (Training page)").run()
    at.selectbox(key="inside_ckpt").set_value("link.pt").run()
    assert not at.exception, at.exception
    assert any("outside" in e.value for e in at.error)


def test_a_spec_link_over_the_budget_is_refused_on_inside_and_builds_nothing(monkeypatch):
    """The issue's 215-character link: torchvision with six 16,384-wide hidden layers (1.5 G parameters)."""
    from dataclasses import replace

    from alexnet_core.arch import budget
    from alexnet_core.arch.build import AlexNet
    from alexnet_core.guard.memory import LEDGER
    from alexnet_core.spec import url

    tv = presets.get("torchvision").spec
    huge = replace(tv, classifier=replace(tv.classifier, hidden=(16384,) * 6))
    built = []
    real_init = AlexNet.__init__
    monkeypatch.setattr(AlexNet, "__init__", lambda self, *a, **k: built.append(a) or real_init(self, *a, **k))
    at = app_test(PAGE, {"spec": url.encode(huge)})
    assert not at.exception, at.exception
    assert budget.param_problem(huge) in [e.value for e in at.error]
    assert built == [] and LEDGER.held == 0


def test_a_checkpoints_model_is_held_in_the_ledger_while_it_loads(monkeypatch):
    """Its spec is inside the file, so the share is the file's (twice its size), not the 0 bytes it was."""
    from alexnet_core.guard.memory import LEDGER
    from alexnet_core.paths import runs_dir
    from alexnet_core.weights import checkpoint as ck
    from alexnet_core.weights.source import Kind
    from ui.inside import cache as inside_cache

    spec = presets.get("torchvision").spec.with_(num_classes=29)  # this test's own checkpoint
    path = ck.save_checkpoint(runs_dir() / "held" / "model.pt", spec, build_model(spec, seed=0))
    held = []
    monkeypatch.setattr(inside_cache, "load", lambda *a, **k: held.append(LEDGER.held) or load(*a, **k))
    loaded = inside_cache.model(presets.get("paper2012").spec, WeightsSource(Kind.CHECKPOINT, checkpoint="held/model.pt"))
    assert loaded.spec == spec and held and held[0] >= 2 * path.stat().st_size
    assert LEDGER.held == 0


def test_decoded_uploads_are_shared_read_only_and_bounded_in_bytes(monkeypatch):
    import io

    import numpy as np
    from PIL import Image

    from alexnet_core.guard import limits
    from ui.inside import cache as inside_cache

    one = 200 * 150 * 3  # bytes of one decoded 200×150 RGB upload
    monkeypatch.setattr(limits, "UPLOAD_CACHE_BYTES", 3 * one)
    st.cache_resource.clear()  # the server's caches made afresh, with the smaller cap

    def png(shade: int) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (200, 150), (shade, 0, 0)).save(buf, "PNG")
        return buf.getvalue()

    first = inside_cache.uploaded_image(png(0), "a.png")
    assert first.shape == (150, 200, 3) and not first.flags.writeable
    assert inside_cache.uploaded_image(png(0), "same bytes, another name.png") is first  # decoded once
    for shade in range(1, 8):
        img = inside_cache.uploaded_image(png(shade), f"{shade}.png")
        assert int(img[0, 0, 0]) == shade
        uploads = inside_cache._caches()["uploads"]
        assert uploads.held <= 3 * one
    assert len(uploads) == 3 and uploads.held == 3 * one
    np.testing.assert_array_equal(inside_cache.uploaded_image(png(0), "a.png"), first)  # made again after eviction
    st.cache_resource.clear()
