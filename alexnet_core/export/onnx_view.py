"""ONNX-friendly stand-ins for the layers the exporter cannot express as they are.

``LocalResponseNorm`` becomes one ONNX ``LRN`` node (odd sizes), and an ``AdaptiveAvgPool2d``
whose input does not divide its output becomes explicit window means. ``WeightsAsInputs`` runs
the view with its weights passed in, so the exporter never serialises them.
"""

from __future__ import annotations

import torch
from torch import nn

from alexnet_core.arch import shapes
from alexnet_core.arch.build import AlexNet


class _LRNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, size, alpha, beta, k):  # type: ignore[no-untyped-def, override]
        return nn.functional.local_response_norm(x, size, alpha, beta, k)

    @staticmethod
    def symbolic(g, x, size, alpha, beta, k):  # type: ignore[no-untyped-def]
        # ONNX LRN divides alpha by size and sums over the same centred window as PyTorch (odd size).
        return g.op("LRN", x, size_i=size, alpha_f=alpha, beta_f=beta, bias_f=k)


class _OnnxLRN(nn.Module):
    def __init__(self, lrn: nn.LocalResponseNorm) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = lrn.size, lrn.alpha, lrn.beta, lrn.k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _LRNFunction.apply(x, self.size, float(self.alpha), float(self.beta), float(self.k))


class _WindowMeans(nn.Module):
    """AdaptiveAvgPool2d at one fixed input size, as window means from a running sum (CumSum,
    Gather: opset >= 11). Each window's mean is (S[end] - S[start]) / (end - start)."""

    def __init__(self, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> None:
        super().__init__()
        self.rows = shapes.adaptive_windows(in_hw[0], out_hw[0])
        self.cols = shapes.adaptive_windows(in_hw[1], out_hw[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _axis_means(x, 2, self.rows)  # (N, C, oh, W)
        return _axis_means(x, 3, self.cols)  # (N, C, oh, ow)


def _axis_means(x: torch.Tensor, dim: int, windows: list[tuple[int, int]]) -> torch.Tensor:
    shape = [-1] + [1] * (x.dim() - 1 - dim)  # broadcast along `dim`
    starts = torch.tensor([a for a, _ in windows])
    lasts = torch.tensor([b - 1 for _, b in windows])
    before = (starts - 1).clamp(min=0)
    has_before = (starts > 0).to(x.dtype).view(shape)  # S[-1] is 0
    lengths = (lasts - starts + 1).to(x.dtype).view(shape)
    running = torch.cumsum(x, dim)  # S[i] = x[0] + ... + x[i]
    total = running.index_select(dim, lasts) - running.index_select(dim, before) * has_before
    return total / lengths


class WeightsAsInputs(nn.Module):
    """Runs the view with its weights passed in as inputs. With no parameters of its own, the
    exporter's graph-level shape inference never serialises 240 MB of weights (twice), which was
    over half the export time; the weight inputs become initializers afterwards."""

    def __init__(self, view: nn.Module, names: list[str]) -> None:
        super().__init__()
        object.__setattr__(self, "view", view)  # not registered: this module owns no parameters
        self.names = names

    def forward(self, x: torch.Tensor, *tensors: torch.Tensor) -> torch.Tensor:
        swapped = []
        for name, tensor in zip(self.names, tensors, strict=True):
            path, _, attr = name.rpartition(".")
            module = self.view.get_submodule(path)
            store = module._parameters if attr in module._parameters else module._buffers
            swapped.append((store, attr, store[attr]))
            store[attr] = tensor
        try:
            return self.view(x)
        finally:
            for store, attr, old in swapped:
                store[attr] = old


class ExportView(nn.Module):
    """The same modules and parameter names as the AlexNet, with ONNX-friendly stand-ins."""

    def __init__(self, model: AlexNet, feature_hw: tuple[int, int]) -> None:
        super().__init__()
        self.features = nn.Sequential(*[_swap(m) for m in model.features])
        self.avgpool = model.avgpool
        if isinstance(model.avgpool, nn.AdaptiveAvgPool2d):
            out = model.spec.feature_size
            if any(i % o for i, o in zip(feature_hw, out, strict=True)):
                self.avgpool = _WindowMeans(feature_hw, tuple(out))  # type: ignore[arg-type]
        self.flatten = model.flatten
        self.classifier = model.classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.flatten(self.avgpool(self.features(x))))


def _swap(m: nn.Module) -> nn.Module:
    if isinstance(m, nn.LocalResponseNorm) and m.size % 2 == 1:
        return _OnnxLRN(m)
    return m
