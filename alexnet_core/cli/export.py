"""``export`` and ``verify``: an ONNX file from a preset, spec or checkpoint, and the checks on it.

Exit codes: 0 every check passed, 1 a check failed (export writes no file then), 2 a user error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from alexnet_core.cli.common import add_network_args, parse_seed, resolve_network
from alexnet_core.export.checks import (
    MAX_VERIFY_BYTES,
    Report,
    check_bytes,
    check_export,
)
from alexnet_core.export.exporter import (
    DEFAULT_OPSET,
    MAX_OPSET,
    MIN_OPSET,
    export,
)
from alexnet_core.format import fmt_bytes
from alexnet_core.weights.source import Kind, WeightsSource

_MARK = {True: "ok  ", False: "FAIL", None: "skip"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write an ONNX file and check it against PyTorch")
    add_network_args(p)
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset {MIN_OPSET}–{MAX_OPSET}")
    p.add_argument("--dynamic-batch", action="store_true", help="make the batch axis dynamic")
    p.add_argument("--weights", choices=["random", "pretrained", "checkpoint"], default="random",
                   help="random (seeded), torchvision's cached ImageNet weights, or --checkpoint")
    p.add_argument("--seed", type=parse_seed, default=0, help="seed for random weights")
    p.add_argument("--checkpoint", help="a checkpoint file under the runs folder (its own spec, and the "
                   "input size it was trained at when it records one, are exported)")
    p.add_argument("--out", type=Path, required=True, help="the .onnx file to write")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("verify", help="run the export checks on an existing ONNX file")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.set_defaults(handler=cmd_verify)


def cmd_export(args: argparse.Namespace) -> int:
    if args.checkpoint is not None and args.weights == "random":  # even '': it is refused, not ignored
        args.weights = "checkpoint"
    weights = WeightsSource(Kind(args.weights), args.seed, args.checkpoint)
    spec, size = resolve_network(args)
    if args.out.is_dir():
        raise ValueError(f"{args.out} is a folder; give a file name such as alexnet.onnx")
    exp = export(spec, size, opset=args.opset, dynamic_batch=args.dynamic_batch, weights=weights)
    report = check_export(exp)
    if report.passed:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(exp.data)
    head = {"file": str(args.out), "written": report.passed, "variant": exp.spec.name,
            "input_size": list(exp.size), "opset": exp.opset, "dynamic_batch": exp.dynamic_batch,
            "weights": exp.weights}
    if exp.note and not args.json:
        print(exp.note)
    return _print(report, head, args.json, "wrote" if report.passed else "not written (a check failed):")


def cmd_verify(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    if path.stat().st_size > MAX_VERIFY_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_VERIFY_BYTES // 2**20} MB")
    report = check_bytes(path.read_bytes())
    return _print(report, {"file": str(path)}, args.json, "checked")


def _print(report: Report, head: dict[str, object], as_json: bool, verb: str) -> int:
    code = 0 if report.passed else 1
    if as_json:
        body = {**head, "passed": report.passed, "size_bytes": report.size_bytes, "sha256": report.sha256,
                "max_abs_diff": report.max_abs_diff, "parity_bound": report.parity_bound,
                "initializer_elements": report.initializer_elements,
                "param_count": report.param_count,
                "output_shape": list(report.output_shape) if report.output_shape else None,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks]}
        json.dump(body, sys.stdout, indent=2)
        print()
    else:
        print(f"{verb} {head['file']}  {fmt_bytes(report.size_bytes)}  sha256 {report.sha256}")
        width = max(len(c.name) for c in report.checks)
        for c in report.checks:
            print(f"  {_MARK[c.ok]}  {c.name:<{width}}  {c.detail}")
    if code:
        sys.stderr.write(f"error: {report.failures[0].detail}\n")
    return code
