"""A typed, JSON-round-trippable description of an AlexNet-shaped network.

The spec is the one object that flows through the app: widgets edit it, the
shape engine reads it, the builder turns it into an ``nn.Module``, jobs and
exports carry it. It holds no tensors, so it is cheap to copy, hash and share.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

SPEC_VERSION = 1
UNNAMED = "custom"  # the name of a spec nobody named: JSON without one, a preset someone edited


class SpecError(ValueError):
    """A spec that cannot describe a network; the message names the bad field."""

    def __init__(self, field_path: str, problem: str) -> None:
        self.field_path = field_path
        self.problem = problem
        super().__init__(f"{field_path}: {problem}")


class Activation(StrEnum):
    RELU = "relu"
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    GELU = "gelu"
    SILU = "silu"
    SIGMOID = "sigmoid"
    TANH = "tanh"


class InitScheme(StrEnum):
    TORCH_DEFAULT = "torch_default"  # PyTorch's own per-layer defaults (torchvision's AlexNet uses these)
    KAIMING = "kaiming"  # He et al.: kaiming_normal(fan_out, relu) convs, N(0, 0.01) linears, zero biases
    PAPER = "paper"  # Krizhevsky 2012: N(0, 0.01) weights, bias 1 in conv2/4/5 and hidden FCs, 0 elsewhere


class DropoutPosition(StrEnum):
    BEFORE = "before"  # torchvision: Dropout -> Linear -> ReLU
    AFTER = "after"  # d2l / course notes: Linear -> ReLU -> Dropout


@dataclass(frozen=True)
class LRN:
    size: int = 5  # neighbouring channels summed over (paper: n = 5)
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 2.0  # the paper's k; PyTorch's default is 1.0


@dataclass(frozen=True)
class Pool:
    kernel: int = 3  # overlapping pooling, the paper's z = 3 ...
    stride: int = 2  # ... with s = 2 < z
    padding: int = 0
    ceil_mode: bool = False


@dataclass(frozen=True)
class ConvBlock:
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    groups: int = 1  # 2 reproduces the paper's two-GPU split
    activation: Activation = Activation.RELU
    lrn: LRN | None = None  # applied after the activation, as in the paper
    batchnorm: bool = False  # applied between the conv and the activation
    pool: Pool | None = None
    dilation: int = 1


@dataclass(frozen=True)
class Classifier:
    hidden: tuple[int, ...] = (4096, 4096)
    dropout: float = 0.5  # the paper's p = 0.5 in the two hidden layers
    dropout_position: DropoutPosition = DropoutPosition.BEFORE
    activation: Activation = Activation.RELU


@dataclass(frozen=True)
class ArchSpec:
    name: str = UNNAMED
    in_channels: int = 3
    convs: tuple[ConvBlock, ...] = ()
    # The spatial size the classifier expects after the last block. With
    # adaptive_pool the network forces it for any large-enough input; without,
    # only inputs that land exactly on it are accepted.
    feature_size: tuple[int, int] = (6, 6)
    adaptive_pool: bool = True
    classifier: Classifier = field(default_factory=Classifier)
    num_classes: int = 1000
    log_softmax: bool = False
    init: InitScheme = InitScheme.TORCH_DEFAULT

    @property
    def is_named(self) -> bool:
        """Whether the name says which network this is (a preset's id); messages then use it."""
        return bool(self.name) and self.name != UNNAMED

    @property
    def last_channels(self) -> int:
        return self.convs[-1].out_channels if self.convs else self.in_channels

    @property
    def flat_features(self) -> int:
        return self.last_channels * self.feature_size[0] * self.feature_size[1]

    def with_(self, **changes: Any) -> ArchSpec:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = SPEC_VERSION
        return _plain(data)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)


def _plain(value: Any) -> Any:
    """Tuples to lists and enums to strings, so json.dumps and equality agree."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return str(value)
    return value
