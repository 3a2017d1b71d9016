"""``variants`` and ``summary``: the catalogue and the shape table in a terminal."""

from __future__ import annotations

import argparse
import json
import sys

from alexnet_core.arch import budget
from alexnet_core.arch.shapes import describe_range, valid_range
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.cli.common import add_network_args, resolve_network
from alexnet_core.format import fmt_bytes, fmt_count, fmt_shape
from alexnet_core.spec import presets as variants


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("variants", help="list the presets")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_variants)

    p = sub.add_parser("summary", help="layer-by-layer shapes, parameters and mult-adds")
    add_network_args(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
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
    s = summarize(spec, h, w)
    if args.json:
        json.dump(s.to_json(), sys.stdout, indent=2)
        print()
        return 0
    header = f"{'layer':<10} {'type':<18} {'k/s/p':<9} {'output':<18} {'params':>12} {'mult-adds':>14} {'RF':>5}"
    print(f"{s.variant}  input {fmt_shape(s.input_shape)}")
    print(header)
    print("-" * len(header))
    for r in s.layers:
        ksp = f"{r.kernel}/{r.stride}/{r.padding}" if r.kernel is not None else ""
        print(f"{r.name:<10} {r.type:<18} {ksp:<9} {fmt_shape(r.output_shape):<18} "
              f"{r.params:>12,} {r.mult_adds:>14,} {r.receptive_field:>5}")
    print("-" * len(header))
    print(f"parameters {s.total_params:,} ({s.trainable_params:,} trainable, {fmt_bytes(s.param_bytes)})")
    print(f"mult-adds  {s.mult_adds:,}")
    print(f"the classifier holds {s.classifier_param_share:.1%} of the parameters; "
          f"the convolutions do {s.conv_mult_add_share:.1%} of the mult-adds")
    return 0
