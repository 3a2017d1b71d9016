"""``code``: the network as one standalone PyTorch file (torch alone, the app's state_dict keys)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alexnet_core.arch.codegen import generate_code
from alexnet_core.cli.common import add_network_args, resolve_network, write_text


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("code", help="write the network as a standalone PyTorch .py file")
    add_network_args(p)
    p.add_argument("--out", type=Path, help="the .py file to write (default: print it)")
    p.set_defaults(handler=cmd_code)


def cmd_code(args: argparse.Namespace) -> int:
    spec, (h, w) = resolve_network(args)
    text = generate_code(spec, h, w)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_text(args.out, text, "alexnet.py")
    print(f"wrote {args.out}: {spec.name} at {spec.in_channels}×{h}×{w}, {text.count(chr(10))} lines")
    return 0
