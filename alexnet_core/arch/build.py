"""Spec -> ``nn.Module``.

The module keeps torchvision's layout (``features`` / ``avgpool`` /
``classifier`` Sequentials), so a spec with torchvision's layers has exactly
torchvision's ``state_dict`` keys and loads its weights unchanged.
"""

from __future__ import annotations

import torch
from torch import nn

from alexnet_core.arch.plan import Kind, Step, layer_plan
from alexnet_core.spec.types import Activation, ArchSpec, InitScheme

_ACTIVATIONS: dict[Activation, type[nn.Module]] = {
    Activation.RELU: nn.ReLU,
    Activation.LEAKY_RELU: nn.LeakyReLU,
    Activation.ELU: nn.ELU,
    Activation.GELU: nn.GELU,
    Activation.SILU: nn.SiLU,
    Activation.SIGMOID: nn.Sigmoid,
    Activation.TANH: nn.Tanh,
}


def activation_module(act: Activation) -> nn.Module:
    # Never inplace: forward hooks must see each layer's own output.
    return _ACTIVATIONS[act]()


class AlexNet(nn.Module):
    def __init__(self, spec: ArchSpec) -> None:
        super().__init__()
        self.spec = spec
        plan = layer_plan(spec)
        self.features = nn.Sequential(*[_module(s, spec) for s in plan if s.section == "features"])
        self.avgpool: nn.Module = (
            nn.AdaptiveAvgPool2d(spec.feature_size) if spec.adaptive_pool else nn.Identity()
        )
        self.flatten = nn.Flatten(1)
        self.classifier = nn.Sequential(*[_module(s, spec) for s in plan if s.section == "classifier"])
        self.labels = _labels(plan)  # module path -> conv1, pool1, fc6 ...

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)  # (N, 256, 6, 6) for torchvision at 224
        x = self.avgpool(x)  # (N, C, *feature_size)
        x = self.flatten(x)  # (N, C * 6 * 6)
        return self.classifier(x)  # (N, num_classes)


def _module(step: Step, spec: ArchSpec) -> nn.Module:
    match step.kind:
        case Kind.CONV:
            return nn.Conv2d(step.in_ch, step.out_ch, step.kernel, step.stride, step.padding,
                             step.dilation, step.groups)
        case Kind.BATCHNORM:
            return nn.BatchNorm2d(step.out_ch)
        case Kind.ACT:
            assert step.activation is not None
            return activation_module(step.activation)
        case Kind.LRN:
            lrn = spec.convs[step.block].lrn
            assert lrn is not None
            return nn.LocalResponseNorm(lrn.size, lrn.alpha, lrn.beta, lrn.k)
        case Kind.POOL:
            return nn.MaxPool2d(step.kernel, step.stride, step.padding, ceil_mode=step.ceil_mode)
        case Kind.DROPOUT:
            return nn.Dropout(spec.classifier.dropout)
        case Kind.LINEAR:
            return nn.Linear(step.in_ch, step.out_ch)
        case Kind.LOGSOFTMAX:
            return nn.LogSoftmax(dim=1)
    raise AssertionError(f"no module for {step.kind}")


def _labels(plan: list[Step]) -> dict[str, str]:
    labels: dict[str, str] = {}
    counters = {"features": 0, "classifier": 0}
    for s in plan:
        if s.section in counters:
            labels[f"{s.section}.{counters[s.section]}"] = s.label
            counters[s.section] += 1
        else:
            labels[s.section] = s.label
    return labels


def build_model(spec: ArchSpec, *, seed: int | None = 0, device: str | torch.device | None = None) -> AlexNet:
    """Build with the spec's init scheme; the same seed gives the same weights."""
    if device is not None and torch.device(device).type == "meta":
        with torch.device("meta"):
            return AlexNet(spec)  # shapes only: nothing allocated, nothing to initialise
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        model = AlexNet(spec)
        init_weights(model, spec.init)
    return model.to(device) if device is not None else model


def init_weights(model: AlexNet, scheme: InitScheme) -> None:
    if scheme is InitScheme.TORCH_DEFAULT:
        return  # each layer already ran its own reset_parameters()
    convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.classifier if isinstance(m, nn.Linear)]
    with torch.no_grad():
        if scheme is InitScheme.KAIMING:
            for m in convs:
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            for m in linears:
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)
        elif scheme is InitScheme.PAPER:
            # Krizhevsky et al. 2012, section 5: N(0, 0.01) everywhere; bias 1 in conv2,
            # conv4, conv5 and the hidden fully-connected layers to give ReLUs positive input.
            for i, m in enumerate(convs):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.constant_(m.bias, 1.0 if i in (1, 3, 4) else 0.0)
            for i, m in enumerate(linears):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.constant_(m.bias, 1.0 if i < len(linears) - 1 else 0.0)


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
