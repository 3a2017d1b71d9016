"""``variants`` and ``summary``: the catalogue and the shape table in a terminal."""

from __future__ import annotations

import argparse
import json
import sys

from alexnet_core.arch import budget, table_format
from alexnet_core.arch.shapes import describe_range, valid_range
from alexnet_core.arch.table_format import TableFormat
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.cli.common import add_network_args, resolve_network
from alexnet_core.format import fmt_count
from alexnet_core.spec import presets as variants


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("variants", help="list the presets")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_variants)

    p = sub.add_parser("summary", help="layer-by-layer shapes, parameters and mult-adds")
    add_network_args(p)
    p.add_argument("--format", choices=[f.value for f in TableFormat], default=TableFormat.TEXT.value,
                   help="text (the terminal table), markdown or latex (for slides and papers), csv, json")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.set_defaults(handler=cmd_summary)


def cmd_variants(args: argparse.Namespace) -> int:
    rows = []
    for v in variants.list_variants():
        rows.append({
            "id": v.id,
            "title": v.title,
            "note": v.note,
            "input_shape": [v.in_channels, v.input_size, v.input_size],
            "num_classes": v.num_classes,
            "params": v.expected_params,
            "valid_input": describe_range(valid_range(v.spec)),
        })
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        c, h, w = r["input_shape"]
        print(f"{r['id']:<{width}}  {c}×{h}×{w}  {fmt_count(r['params']):>6} params  {r['title']}")
        print(f"{'':<{width}}  {r['note']}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    spec, (h, w) = resolve_network(args)
    budget.check(spec, h, w)  # the same budget as the pages: torchinfo runs a real forward pass on meta tensors
    fmt = TableFormat.JSON if args.json else args.format
    sys.stdout.write(table_format.render(summarize(spec, h, w), fmt))
    return 0
