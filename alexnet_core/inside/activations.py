"""Forward hooks -> every labelled layer's output, their statistics, receptive-field boxes,
predictions and a saliency map. Pure torch; the page only draws what comes out."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from alexnet_core.arch.build import AlexNet
from alexnet_core.arch.plan import Kind, layer_plan
from alexnet_core.arch.shapes import LayerShape, adaptive_windows
from alexnet_core.spec.types import Activation, ArchSpec


@dataclass(frozen=True)
class Capture:
    outputs: dict[str, torch.Tensor]  # label -> output without the batch dim, forward order
    logits: torch.Tensor  # (num_classes,)

    @property
    def labels(self) -> list[str]:
        return list(self.outputs)

    def spatial_labels(self) -> list[str]:
        return [k for k, v in self.outputs.items() if v.dim() == 3]


def labelled_modules(model: AlexNet) -> list[tuple[str, nn.Module]]:
    """(label, module) for every layer with a name, in forward order (Identity skipped)."""
    return [(model.labels[p], m) for p, m in model.named_modules()
            if p in model.labels and not isinstance(m, nn.Identity)]


_LOCKS: weakref.WeakKeyDictionary[nn.Module, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


@contextmanager
def hooked(model: nn.Module) -> Iterator[None]:
    """Held while forward hooks sit on ``model``. Models are cached and shared by every session, and a
    hook fires on every pass through its module: two sessions' passes at once would fill each other's
    captures. One lock per model keeps them apart, and different models run side by side."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(model, threading.Lock())
    with lock:
        yield


def capture(model: AlexNet, x: torch.Tensor) -> Capture:
    """One eval forward pass of one image (1, C, H, W), keeping every labelled layer's output."""
    outputs: dict[str, torch.Tensor] = {}
    with hooked(model):
        return _capture(model, x, outputs)


def _capture(model: AlexNet, x: torch.Tensor, outputs: dict[str, torch.Tensor]) -> Capture:
    hooks = [m.register_forward_hook(lambda _m, _i, o, label=label: outputs.__setitem__(label, o[0]))
             for label, m in labelled_modules(model)]
    try:
        with torch.inference_mode():
            logits = model.eval()(x)[0]
    finally:
        for h in hooks:
            h.remove()
    return Capture(outputs, logits)


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class LayerStats:
    label: str
    mean: float
    std: float
    max: float
    zeros: float  # fraction of exact zeros


def layer_stats(cap: Capture) -> list[LayerStats]:
    rows = []
    for label, t in cap.outputs.items():
        t = t.float()
        std, mean = torch.std_mean(t) if t.numel() > 1 else (torch.zeros(()), t.mean())
        rows.append(LayerStats(label, mean.item(), std.item(), t.max().item(), (t == 0).sum().item() / t.numel()))
    return rows


def channel_means(t: torch.Tensor) -> torch.Tensor:
    return t.float().mean(dim=(1, 2))


def top_channels(t: torch.Tensor, k: int) -> list[int]:
    """Channels of a (C, H, W) map, most active (highest mean) first."""
    means = channel_means(t)
    return torch.argsort(means, descending=True, stable=True)[:k].tolist()


def downsample(maps: torch.Tensor, max_side: int) -> torch.Tensor:
    """(N, H, W) maps shrunk by area-averaging so neither side exceeds max_side."""
    h, w = maps.shape[-2:]
    if max(h, w) <= max_side:
        return maps
    size = (max(1, round(h * max_side / max(h, w))), max(1, round(w * max_side / max(h, w))))
    return F.adaptive_avg_pool2d(maps.float().unsqueeze(0), size)[0]


def histogram(t: torch.Tensor, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of a layer's values."""
    v = t.float().flatten()
    lo, hi = v.min().item(), v.max().item()
    if hi <= lo:
        hi = lo + 1e-6
    counts = torch.histc(v, bins, lo, hi).numpy()
    return counts, np.linspace(lo, hi, bins + 1)


# ---------------------------------------------------------------- receptive fields


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float  # input pixel coordinates, pixel i spans [i, i + 1); clipped to the image


def rf_nominal(shape: LayerShape, row: int, col: int) -> Box:
    """The textbook box: centre start + i·jump, side rf (the shape engine's numbers), unclipped."""
    cy, cx = shape.start + row * shape.jump, shape.start + col * shape.jump
    half = shape.rf / 2
    return Box(cx - half, cy - half, cx + half, cy + half)


def _span(step_rows: list[LayerShape], upto: str, axis: int, lo: int, hi: int) -> tuple[int, int]:
    """Walk back from one layer to the input: the [lo, hi] index range along one axis that
    can influence it, clipped at every layer (padding and floor-dropped edges feed nothing)."""
    idx = [r.label for r in step_rows].index(upto)
    for r in reversed(step_rows[: idx + 1]):
        step, n_in = r.step, r.in_shape[1 + axis]
        if step.windowed:
            lo, hi = lo * step.stride - step.padding, hi * step.stride - step.padding + step.span - 1
        elif step.kind is Kind.ADAPTIVE:
            wins = adaptive_windows(n_in, r.out_shape[1 + axis])
            lo, hi = wins[lo][0], wins[hi][1] - 1
        else:
            continue
        lo, hi = max(lo, 0), min(hi, n_in - 1)
    return lo, hi


def rf_box(rows: list[LayerShape], label: str, row: int, col: int) -> Box:
    """The input pixels one unit of a spatial layer depends on, exactly; for units away from the
    borders this is the shape engine's rf × rf box centred at start + i·jump (see rf_nominal)."""
    y0, y1 = _span(rows, label, 0, row, row)
    x0, x1 = _span(rows, label, 1, col, col)
    return Box(float(x0), float(y0), float(x1 + 1), float(y1 + 1))


# ---------------------------------------------------------------- predictions and saliency


def probabilities(logits: torch.Tensor, log_softmax: bool) -> torch.Tensor:
    return logits.exp() if log_softmax else torch.softmax(logits.float(), dim=0)


def top5(logits: torch.Tensor, names: list[str] | tuple[str, ...] | None, log_softmax: bool = False,
         k: int = 5) -> list[tuple[int, str, float]]:
    probs = probabilities(logits, log_softmax)
    p, idx = probs.topk(min(k, probs.numel()))
    return [(i, names[i] if names and i < len(names) else f"class {i}", v)
            for i, v in zip(idx.tolist(), p.tolist(), strict=True)]


def saliency(model: AlexNet, x: torch.Tensor, target: int) -> np.ndarray:
    """|d logit_target / d input|, max over channels, scaled to [0, 1]: (H, W)."""
    # autograd.grad to the input only: no parameter .grad is written on the shared, cached model, so two
    # sessions asking at once neither race on zero_grad nor hold a second copy of the weights as gradients.
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model.eval()(x)[0, target], x)
    g = grad[0].abs().amax(0)
    return (g / g.max().clamp_min(1e-12)).numpy()


def last_conv_label(model: AlexNet) -> str:
    """The activation after the last convolution: Grad-CAM's usual layer (relu5 in AlexNet)."""
    labels = [label for label, m in labelled_modules(model)]
    convs = [i for i, label in enumerate(labels) if label.startswith("conv")]
    after = [label for label in labels[convs[-1] + 1:] if not label.startswith(("bn", "lrn", "pool"))]
    return after[0] if after else labels[convs[-1]]


def grad_cam(model: AlexNet, x: torch.Tensor, target: int, label: str | None = None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017): channel weights = mean gradient of the target logit over
    each map of one layer; ReLU of the weighted sum, upsampled to the input, scaled to [0, 1]."""
    label = label or last_conv_label(model)
    module = dict(labelled_modules(model))[label]
    kept: list[torch.Tensor] = []
    with hooked(model):
        hook = module.register_forward_hook(lambda _m, _i, o: kept.append(o))
        try:
            with torch.enable_grad():
                logit = model.eval()(x.detach())[0, target]
                (grad,) = torch.autograd.grad(logit, kept[0])
        finally:
            hook.remove()
    maps = kept[0].detach()[0]  # (C, h, w)
    cam = torch.relu((grad[0].mean(dim=(1, 2))[:, None, None] * maps).sum(0))
    cam = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
    return (cam / cam.max().clamp_min(1e-12)).numpy()


# ---------------------------------------------------------------- activation functions


def with_activation(spec: ArchSpec, act: Activation) -> ArchSpec:
    """The same network with every activation swapped; weights load unchanged (activations hold none)."""
    convs = tuple(replace(c, activation=act) for c in spec.convs)
    return spec.with_(convs=convs, classifier=replace(spec.classifier, activation=act))


def curve(act: Activation, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) for one activation, by autograd."""
    from alexnet_core.arch.build import activation_module

    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = activation_module(act)(x)
        (g,) = torch.autograd.grad(y.sum(), x)
    return y.detach().numpy(), g.numpy()


def is_activation_label(spec: ArchSpec, label: str) -> bool:
    return any(s.label == label and s.kind is Kind.ACT for s in layer_plan(spec))
