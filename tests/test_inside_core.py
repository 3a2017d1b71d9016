"""Inside the network, core: captures against plain forward passes, receptive fields against
gradients, filters against conv1's weights, statistics against torch's own reductions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import trace
from alexnet_core.figures import inside as P
from alexnet_core.inside import activations as A
from alexnet_core.inside import images
from alexnet_core.spec import presets
from alexnet_core.spec.types import Activation, ArchSpec, Classifier, ConvBlock, Pool

TINY = ArchSpec(name="tiny", convs=(ConvBlock(8, 5, 2, 2, pool=Pool(3, 2)), ConvBlock(12, 3, 1, 1, pool=Pool(3, 2))),
                feature_size=(2, 2), classifier=Classifier(hidden=(16,)), num_classes=5)


def image_tensor(spec: ArchSpec, size: int) -> torch.Tensor:
    return images.preprocess(images.builtin("photo: china (scikit-learn)"), size, spec.in_channels).tensor


def plain_forward(model, x: torch.Tensor) -> list[torch.Tensor]:
    """Every layer's output by calling the modules one after another, no hooks."""
    outs = []
    with torch.no_grad():
        for m in model.features:
            x = m(x)
            outs.append(x[0])
        if not isinstance(model.avgpool, nn.Identity):
            x = model.avgpool(x)
            outs.append(x[0])
        x = model.flatten(x)
        outs.append(x[0])
        for m in model.classifier:
            x = m(x)
            outs.append(x[0])
    return outs


@pytest.mark.parametrize("vid", ["torchvision", "paper2012", "batchnorm", "small_input"])
def test_capture_equals_a_plain_forward_pass_layer_by_layer(vid):
    v = presets.get(vid)
    model = build_model(v.spec, seed=1).eval()
    x = image_tensor(v.spec, v.input_size)
    cap = A.capture(model, x)
    expected = plain_forward(model, x)
    shapes = trace(v.spec, v.input_size)
    assert cap.labels == [s.label for s in shapes]
    for (label, got), want, s in zip(cap.outputs.items(), expected, shapes, strict=True):
        assert tuple(got.shape) == s.out_shape, label
        torch.testing.assert_close(got, want, rtol=0, atol=0, msg=label)
    with torch.no_grad():
        torch.testing.assert_close(cap.logits, model(x)[0])


def test_stats_match_torch_reductions():
    model = build_model(TINY, seed=3).eval()
    cap = A.capture(model, image_tensor(TINY, 40))
    for s in A.layer_stats(cap):
        t = cap.outputs[s.label]
        assert s.mean == pytest.approx(t.mean().item())
        assert s.std == pytest.approx(t.std().item())
        assert s.max == pytest.approx(t.max().item())
        assert s.zeros == pytest.approx((t == 0).sum().item() / t.numel())
    relu = next(s for s in A.layer_stats(cap) if s.label == "relu1")
    assert 0 < relu.zeros < 1  # some units dead, some alive on a real photograph
    t = cap.outputs["conv2"]
    order = A.top_channels(t, 12)
    means = t.mean(dim=(1, 2))
    assert sorted(order) == list(range(12)) and all(means[a] >= means[b] for a, b in zip(order, order[1:], strict=False))


def test_downsample_caps_the_side_and_keeps_small_maps():
    t = torch.rand(5, 55, 55)
    assert A.downsample(t, 48).shape == (5, 48, 48)
    assert A.downsample(t, 64) is t
    torch.testing.assert_close(A.downsample(torch.ones(2, 100, 50), 20), torch.ones(2, 20, 10))


def _linearised(spec: ArchSpec):
    """Max pools -> average pools, activations -> identity, weights positive: every input pixel in a
    unit's receptive field then gets a non-zero gradient, and none outside it does."""
    model = build_model(spec, seed=0).double().eval()
    layers = []
    for m in model.features:
        if isinstance(m, nn.MaxPool2d):
            m = nn.AvgPool2d(m.kernel_size, m.stride, m.padding, ceil_mode=m.ceil_mode)
        elif not isinstance(m, (nn.Conv2d, nn.MaxPool2d)):
            m = nn.Identity()
        else:
            with torch.no_grad():
                m.weight.abs_().add_(0.01)
        layers.append(m)
    return layers + [model.avgpool]  # 3x3 -> 6x6 at 131 px: overlapping adaptive windows


@pytest.mark.parametrize("label", ["conv1", "pool1", "conv2", "pool2", "conv3", "conv5", "pool5", "avgpool"])
def test_rf_box_matches_the_shape_engine_and_the_gradient(label):
    # torchvision's trunk; a small head keeps the build fast (receptive fields never reach it)
    spec = presets.get("torchvision").spec.with_(classifier=Classifier(hidden=(8,)))
    size = 131
    rows = trace(spec, size)
    s = next(r for r in rows if r.label == label)
    layers = _linearised(spec)
    stop = [r.label for r in rows].index(label) + 1
    _, h, w = s.out_shape
    interior = 0
    for row, col in [(0, 0), (h // 2, w // 3), (h // 2, h // 2), (h - 1, w - 1), (0, w - 1)]:
        x = torch.ones(1, 3, size, size, dtype=torch.float64, requires_grad=True)
        y = x
        for m in layers[:stop]:
            y = m(y)
        y[0, 0, row, col].backward()
        ys, xs = np.nonzero(x.grad[0].abs().sum(0).numpy())
        box = A.rf_box(rows, label, row, col)
        # exactly the pixels that can change this unit ...
        assert (box.x0, box.x1, box.y0, box.y1) == (xs.min(), xs.max() + 1, ys.min(), ys.max() + 1), (label, row, col)
        # ... and, wherever no padding is involved, the shape engine's rf x rf box at start + i·jump
        nominal = A.rf_nominal(s, row, col)
        if s.step.kind == "adaptive":
            continue  # uneven windows: the engine's rf/jump are the largest window and the mean step
        if nominal.x0 >= 0 and nominal.y0 >= 0 and nominal.x1 <= size and nominal.y1 <= size:
            interior += 1
            assert (box.x0, box.y0, box.x1, box.y1) == (nominal.x0, nominal.y0, nominal.x1, nominal.y1)
            assert box.x1 - box.x0 == s.rf
        else:  # at the border the exact box lies inside the nominal one
            assert nominal.x0 <= box.x0 and box.x1 <= nominal.x1 and nominal.y0 <= box.y0 and box.y1 <= nominal.y1
    assert interior >= (1 if s.rf < size / 2 and s.step.kind != "adaptive" else 0)


def test_filter_tiles_equal_conv1_weights():
    model = build_model(presets.get("torchvision").spec, seed=2)
    w = model.features[0].weight.detach().numpy()  # (64, 3, 11, 11)
    img = P.filter_tiles(w, cols=8, scale=1)
    k = 11
    for n in (0, 9, 63):
        r, c = divmod(n, 8)
        tile = img[r * (k + 1): r * (k + 1) + k, c * (k + 1): c * (k + 1) + k].astype(np.float32) / 255
        f = w[n].transpose(1, 2, 0)
        want = (f - f.min()) / (f.max() - f.min())
        np.testing.assert_allclose(tile, want, atol=0.5 / 255 + 1e-6)
    assert img.shape == (8 * 12 - 1, 8 * 12 - 1, 3)


def test_grey_filters_for_one_channel():
    w = np.random.default_rng(0).normal(size=(4, 1, 5, 5)).astype(np.float32)
    img = P.filter_tiles(w, cols=4, scale=1)
    np.testing.assert_array_equal(img[..., 0], img[..., 2])
    f = w[1, 0]
    np.testing.assert_allclose(img[0:5, 6:11, 0] / 255, (f - f.min()) / (f.max() - f.min()), atol=0.5 / 255 + 1e-6)


def test_top5_names_and_log_softmax():
    logits = torch.tensor([0.1, 3.0, -1.0, 2.0, 0.5, 0.0])
    rows = A.top5(logits, ["a", "b", "c", "d", "e", "f"])
    assert [r[1] for r in rows] == ["b", "d", "e", "a", "f"]
    assert rows[0][2] == pytest.approx(torch.softmax(logits, 0)[1].item())
    logp = torch.log_softmax(logits, 0)
    assert [r[0] for r in A.top5(logp, None, log_softmax=True)] == [1, 3, 4, 0, 5]
    assert A.top5(logp, None, log_softmax=True)[0][1] == "class 1"


def test_saliency_is_the_input_gradient():
    model = build_model(TINY, seed=0).eval()
    x = image_tensor(TINY, 40)
    sal = A.saliency(model, x, 2)
    xx = x.clone().requires_grad_(True)
    model(xx)[0, 2].backward()
    g = xx.grad[0].abs().amax(0)
    np.testing.assert_allclose(sal, (g / g.max()).numpy(), rtol=1e-5)
    assert sal.shape == (40, 40) and sal.max() == pytest.approx(1.0)
    model.zero_grad(set_to_none=True)
    A.saliency(model, x, 2)
    # the shared, cached model gets no parameter gradients: nothing to race on, no second copy of the weights
    assert all(p.grad is None for p in model.parameters())


def test_grad_cam_weights_maps_by_their_mean_gradient():
    model = build_model(TINY, seed=0).eval()
    x = image_tensor(TINY, 40)
    assert A.last_conv_label(model) == "relu2"
    cam = A.grad_cam(model, x, 1)
    # by hand: relu2's maps and the gradient of logit 1 with respect to them
    feats = model.features[:5](x)  # conv1 relu1 pool1 conv2 relu2
    feats.retain_grad()
    model.classifier(model.flatten(model.avgpool(model.features[5:](feats))))[0, 1].backward()
    w = feats.grad[0].mean(dim=(1, 2))
    raw = torch.relu((w[:, None, None] * feats[0].detach()).sum(0))
    small = torch.nn.functional.interpolate(raw[None, None], size=(40, 40), mode="bilinear")[0, 0]
    np.testing.assert_allclose(cam, (small / small.max()).numpy(), rtol=1e-4, atol=1e-6)
    vgg_like = build_model(presets.get("paper2012").spec.with_(classifier=Classifier(hidden=(8,))), seed=0)
    assert A.last_conv_label(vgg_like) == "relu5"


def test_swapped_activation_keeps_weights_and_changes_statistics():
    spec = presets.get("torchvision").spec
    sig = A.with_activation(spec, Activation.SIGMOID)
    base = build_model(spec, seed=0).eval()
    other = build_model(sig, seed=5).eval()
    other.load_state_dict(base.state_dict())
    x = image_tensor(spec, 96)
    relu_stats = [s for s in A.layer_stats(A.capture(base, x)) if A.is_activation_label(spec, s.label)]
    sig_stats = [s for s in A.layer_stats(A.capture(other, x)) if A.is_activation_label(sig, s.label)]
    assert [s.label for s in sig_stats][:2] == ["sigmoid1", "sigmoid2"] and len(sig_stats) == len(relu_stats) == 7
    assert relu_stats[0].zeros > 0.1 and all(s.zeros == 0 for s in sig_stats)
    y, dy = A.curve(Activation.TANH, torch.tensor([0.0, 1.0]))
    np.testing.assert_allclose(dy, [1.0, 1 - np.tanh(1.0) ** 2], rtol=1e-6)


def test_thumbnail():
    img = images.builtin("photo: china (scikit-learn)")
    small = P.thumbnail(img, 256)
    assert small.shape == (171, 256, 3) and P.thumbnail(small, 256) is small
