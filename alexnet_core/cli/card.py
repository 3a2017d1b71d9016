"""``card``: a model card, one self-contained HTML file (table, totals, shape-flow plot) that opens offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from alexnet_core.arch import budget
from alexnet_core.cli.common import add_network_args, resolve_network, write_text
from alexnet_core.figures.card import card_filename, card_for


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="write a model card: one HTML file with the table, totals and shape plot")
    add_network_args(p)
    p.add_argument("--out", type=Path, help="the .html file to write (default: alexnet_<name>_<H>x<W>_card.html)")
    p.set_defaults(handler=cmd_card)


def cmd_card(args: argparse.Namespace) -> int:
    spec, (h, w) = resolve_network(args)
    budget.check(spec, h, w)  # the same refusal the pages give for a network nobody could build
    text = card_for(spec, h, w)
    out = args.out or Path(card_filename(spec, h, w))
    write_text(out, text, "card.html")
    print(f"wrote {out}: {spec.name} at {spec.in_channels}×{h}×{w}, {len(text.encode()) / 1e6:.1f} MB")
    return 0
