"""The command line: one module per group of subcommands, each with ``add_commands(sub)``.

Every failure a user can cause exits with code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from alexnet_core.spec.types import SpecError

# Each module defines add_commands(subparsers); a handler returns an exit code.
COMMAND_MODULES = ["alexnet_core.cli.info", "alexnet_core.cli.train", "alexnet_core.cli.export", "alexnet_core.cli.code",
                   "alexnet_core.cli.card"]


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage + message; one line is what scripts and people want.
        sys.stderr.write(f"error: {message} (see --help)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m alexnet_core", description="AlexNet Explorer from the terminal.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        return 0
    except (CliError, SpecError, ValueError, KeyError, OSError, OverflowError, RecursionError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc) or type(exc).__name__
        sys.stderr.write(f"error: {message}\n")
        return 2
