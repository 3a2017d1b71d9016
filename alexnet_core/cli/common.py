"""Arguments several subcommands share: which network, at which input size."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from alexnet_core.spec import presets
from alexnet_core.spec.parse import MAX_JSON_BYTES, spec_from_json, with_io
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training.loop import MAX_SEED


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d{1,5})\s*(?:[xX×]\s*(\d{1,5}))?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"input size must be H or HxW, like 224 or 227x227; got {text!r}")
    h = int(match.group(1))
    w = int(match.group(2) or h)
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(f"input size must be positive; got {text!r}")
    return h, w


def parse_seed(text: str) -> int:
    """A seed torch can take (a signed 64-bit integer, from 0)."""
    if not text.strip().isdigit() or len(text.strip()) > 19 or int(text) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be a whole number from 0 to {MAX_SEED}; got {text[:40]!r}")
    return int(text)


def read_spec_file(path: Path) -> ArchSpec:
    """A spec JSON file, read no further than a spec can be long (``/dev/zero`` stops there)."""
    if not path.is_file():
        raise ValueError(f"{path} is not a spec file (it does not exist, or is a folder or a device)")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    return spec_from_json(data, str(path))


def add_network_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", default="torchvision", help=f"one of: {', '.join(presets.ids())}")
    p.add_argument("--spec", type=Path, help="a spec JSON file (from the Layer Lab) instead of --variant")
    p.add_argument("--input-size", type=parse_size, help="H or HxW (default: the variant's own)")
    p.add_argument("--in-channels", type=int, help="override the input channels")
    p.add_argument("--num-classes", type=int, help="override the number of classes")


def resolve_network(args: argparse.Namespace) -> tuple[ArchSpec, tuple[int, int]]:
    """The spec and (H, W) the arguments ask for, validated."""
    if args.spec is not None:
        spec = read_spec_file(args.spec)
        default = 224
    else:
        variant = presets.get(args.variant)
        spec, default = variant.spec, variant.input_size
    spec = with_io(spec, in_channels=args.in_channels, num_classes=args.num_classes)
    size = args.input_size or (default, default)
    return spec, size


def write_text(out: Path, text: str, example: str) -> None:
    """Write a generated file; a folder or an unwritable path is one sentence (``example``: a good name)."""
    if out.is_dir():
        raise ValueError(f"{out} is a folder; give a file name such as {example}")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot write {out}: {exc.strerror}") from None
