"""Arguments several subcommands share: which network, at which input size."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from alexnet_core import variants
from alexnet_core.spec import ArchSpec
from alexnet_core.spec_io import with_io


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,5})\s*(?:[xX×]\s*(\d{1,5}))?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"input size must be H or HxW, like 224 or 227x227; got {text!r}")
    h = int(match.group(1))
    w = int(match.group(2) or h)
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"input size must be positive; got {text!r}")
    return h, w


def add_network_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", default="torchvision", help=f"one of: {', '.join(variants.ids())}")
    p.add_argument("--spec", type=Path, help="a spec JSON file (from the Layer Lab) instead of --variant")
    p.add_argument("--input-size", type=parse_size, help="H or HxW (default: the variant's own)")
    p.add_argument("--in-channels", type=int, help="override the input channels")
    p.add_argument("--num-classes", type=int, help="override the number of classes")


def resolve_network(args: argparse.Namespace) -> tuple[ArchSpec, tuple[int, int]]:
    """The spec and (H, W) the arguments ask for, validated."""
    if args.spec is not None:
        spec = ArchSpec.from_json(args.spec.read_bytes())
        default = 224
    else:
        variant = variants.get(args.variant)
        spec, default = variant.spec, variant.input_size
    spec = with_io(spec, in_channels=args.in_channels, num_classes=args.num_classes)
    size = args.input_size or (default, default)
    return spec, size
