"""The preset registry: every AlexNet the course material teaches.

``register`` / ``get`` / ``list_variants`` drive both the sidebar's choices and
the tests, which are parametrized over the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from alexnet_core.spec.types import LRN, ArchSpec, Classifier, ConvBlock, DropoutPosition, InitScheme, Pool


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    note: str  # one line: where it comes from
    spec: ArchSpec
    input_size: int  # default square input
    expected_params: int | None = None  # the figure the course material gives, when it gives one

    @property
    def in_channels(self) -> int:
        return self.spec.in_channels

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes


_REGISTRY: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    if variant.id in _REGISTRY:
        raise ValueError(f"variant {variant.id!r} is already registered")
    _REGISTRY[variant.id] = replace(variant, spec=replace(variant.spec, name=variant.id))
    return _REGISTRY[variant.id]


def get(variant_id: str) -> Variant:
    try:
        return _REGISTRY[variant_id]
    except KeyError:
        choices = ", ".join(_REGISTRY)
        raise KeyError(f"no variant {variant_id!r}; choose one of: {choices}") from None


def list_variants() -> list[Variant]:
    return list(_REGISTRY.values())


def ids() -> list[str]:
    return list(_REGISTRY)


POOL = Pool(3, 2)
PAPER_LRN = LRN(size=5, alpha=1e-4, beta=0.75, k=2.0)


def _five(channels: tuple[int, ...], *, pad1: int, groups: tuple[int, ...] = (1,) * 5,
          lrn: bool = False, bn: bool = False) -> tuple[ConvBlock, ...]:
    """The classic five-block trunk: 11/4, 5, 3, 3, 3 with pools after 1, 2 and 5."""
    kernels, strides, pads = (11, 5, 3, 3, 3), (4, 1, 1, 1, 1), (pad1, 2, 1, 1, 1)
    pooled = (True, True, False, False, True)
    normed = (True, True, False, False, False)
    return tuple(
        ConvBlock(
            out_channels=channels[i], kernel=kernels[i], stride=strides[i], padding=pads[i],
            groups=groups[i], lrn=PAPER_LRN if lrn and normed[i] else None,
            batchnorm=bn and normed[i], pool=POOL if pooled[i] else None,
        )
        for i in range(5)
    )


PAPER_CH = (96, 256, 384, 384, 256)
TV_CH = (64, 192, 384, 256, 256)
AFTER = Classifier(dropout_position=DropoutPosition.AFTER)

register(Variant(
    "paper2012", "2012 paper (two towers, LRN)",
    "Krizhevsky, Sutskever & Hinton, NeurIPS 2012: conv2/4/5 split over two GPUs (groups=2), "
    "LRN after conv1 and conv2, unpadded conv1 on 227 px.",
    ArchSpec(convs=_five(PAPER_CH, pad1=0, groups=(1, 2, 1, 2, 2), lrn=True), adaptive_pool=False,
             init=InitScheme.PAPER),
    227, 60_965_224,
))
register(Variant(
    "single_tower_lrn", "Single tower with LRN",
    "The paper's channels in one tower (no groups), LRN kept, conv1 padded by 2 for 224 px.",
    ArchSpec(convs=_five(PAPER_CH, pad1=2, lrn=True), adaptive_pool=False),
    224, 62_378_344,
))
register(Variant(
    "torchvision", "torchvision",
    "torchvision.models.alexnet (after Krizhevsky's 'one weird trick' paper): 64/192/384/256/256, "
    "no LRN, AdaptiveAvgPool2d(6, 6); loads torchvision's ImageNet weights.",
    ArchSpec(convs=_five(TV_CH, pad1=2)),
    224, 61_100_840,
))
register(Variant(
    "fashion_mnist", "FashionMNIST teaching version",
    "Course-notes AlexNet for FashionMNIST: 1 channel upsampled to 224, 10 classes, "
    "the paper's channels, no LRN, dropout after each hidden ReLU.",
    ArchSpec(in_channels=1, convs=_five(PAPER_CH, pad1=2), adaptive_pool=False, classifier=AFTER,
             num_classes=10),
    224, 58_299_082,
))
register(Variant(
    "small_input", "Small input (64 px, log-softmax)",
    "torchvision's layout with 1 input channel, 10 classes and a log-softmax head; the adaptive "
    "pool lets a 64x64 input through.",
    ArchSpec(in_channels=1, convs=_five(TV_CH, pad1=2), num_classes=10, log_softmax=True),
    64, 57_029_322,
))
register(Variant(
    "unpadded_classic", "Unpadded classic (227 only)",
    "96/256/384/384/256 without LRN, conv1 unpadded and flattened straight into 256*6*6: "
    "the '227 not 224' version from the course notes.",
    ArchSpec(convs=_five(PAPER_CH, pad1=0), adaptive_pool=False),
    227, 62_378_344,
))
register(Variant(
    "kaiming", "Kaiming-init",
    "96/256/384/384/256, conv1 padding 2, no LRN; kaiming_normal(fan_out, relu) convs, "
    "N(0, 0.01) linears, zero biases.",
    ArchSpec(convs=_five(PAPER_CH, pad1=2), adaptive_pool=False, init=InitScheme.KAIMING),
    224, 62_378_344,
))
register(Variant(
    "batchnorm", "BatchNorm instead of LRN",
    "The single-tower layout with BatchNorm2d (conv -> BN -> ReLU) where LRN was, after conv1 "
    "and conv2: the modern substitute. 704 more parameters than single_tower_lrn.",
    ArchSpec(convs=_five(PAPER_CH, pad1=2, bn=True), adaptive_pool=False),
    224, 62_379_048,
))
register(Variant(
    "d2l", "d2l.ai FashionMNIST (pad 1, 5x5 features)",
    "Dive into Deep Learning's AlexNet: 1 channel, conv1 padding 1, so 224 px ends on 5x5 and "
    "the classifier reads 6400 features; dropout after each hidden ReLU, 10 classes.",
    ArchSpec(in_channels=1, convs=_five(PAPER_CH, pad1=1), adaptive_pool=False, feature_size=(5, 5),
             classifier=AFTER, num_classes=10),
    224, 46_764_746,
))
