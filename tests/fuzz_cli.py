"""The CLI as a way in: argv lists over every subcommand and its flags, with hostile values and files
(spec JSON, ONNX) written into the work folder, run through the CLI's own ``main`` in this process."""

from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path
from typing import Any

from tests.fuzz_corpus import HOSTILE_STRINGS, spec_text
from tests.fuzz_files import onnx_bytes

# ---------------------------------------------------------------- CLI

_COMMANDS = {
    "variants": ["--json"],
    "summary": ["--variant", "--spec", "--input-size", "--in-channels", "--num-classes", "--format", "--json"],
    "code": ["--variant", "--spec", "--input-size", "--in-channels", "--num-classes", "--out"],
    "card": ["--variant", "--spec", "--input-size", "--in-channels", "--num-classes", "--out"],
    "export": ["--variant", "--spec", "--input-size", "--opset", "--dynamic-batch", "--weights", "--seed",
               "--checkpoint", "--out", "--json"],
    "verify": ["FILE", "--json"],
    "train": ["--preset", "--variant", "--spec", "--dataset", "--epochs", "--batch-size", "--lr", "--optimizer",
              "--schedule", "--weight-decay", "--input-size", "--width", "--train-limit", "--device", "--seed",
              "--backend", "--json", "--snapshot-layer"],
    "runs": ["--csv", "--snapshots", "--out", "--json"],
}
_SWITCHES = {"--json", "--dynamic-batch"}


def _flag_value(flag: str, rng: random.Random, files: dict[str, bytes]) -> str:
    from alexnet_core.spec import presets

    if flag in ("--spec", "FILE"):
        name = f"input{len(files)}.{'json' if flag == '--spec' else 'onnx'}"
        files[name] = spec_text(rng)[1] if flag == "--spec" else b""
        return rng.choice(["{WORK}/" + name, "{WORK}", "/dev/zero", "/nonexistent/x.json", ""])
    if flag == "--out":
        return rng.choice(["{WORK}/out.txt", "{WORK}", "/proc/forbidden/x", ""])
    if flag == "--variant":
        return rng.choice([*presets.ids(), *HOSTILE_STRINGS])
    if flag == "--input-size":
        return rng.choice(["8", "32", "16x32", "99999x99999", "0", *HOSTILE_STRINGS])
    return rng.choice([*HOSTILE_STRINGS, str(rng.randint(-3, 300)), "0.25", "sgd", "cosine", "cpu", "ray", "digits"])


def cli_argv(rng: random.Random) -> tuple[str, Any]:
    command = rng.choice(list(_COMMANDS))
    argv, files = [command], {}
    for flag in rng.sample(_COMMANDS[command], rng.randint(0, min(5, len(_COMMANDS[command])))):
        if flag == "FILE":
            argv.append(_flag_value(flag, rng, files))
            files[f"input{len(files) - 1}.onnx"] = onnx_bytes(rng)[1]
        elif flag in _SWITCHES:
            argv.append(flag)
        else:
            argv += [flag, _flag_value(flag, rng, files)]
    if command in ("export",) and "--out" not in argv:
        argv += ["--out", "{WORK}/out.onnx"]
    return f"cli {command}", (argv, files)


def enter_cli(value: tuple[list[str], dict[str, bytes]], work: Path) -> bool:
    """``python -m alexnet_core ...`` in this process: exit 0 (done), 1 (a check failed) or 2 (refused),
    one line on stderr, never a traceback. Training itself is not run: only what it is given is checked."""
    from alexnet_core.cli import main
    from alexnet_core.cli import train as cli_train

    argv, files = value
    for name, data in files.items():
        (work / name).write_bytes(data)
    argv = [a.replace("{WORK}", str(work)) for a in argv]
    out, err = io.StringIO(), io.StringIO()
    saved = cli_train.run_job
    cli_train.run_job = lambda store, run, echo=None: (store.finish(run.id, "done", ""), "done")[1]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
    finally:
        cli_train.run_job = saved
    if code not in (0, 1, 2, None) or "Traceback" in err.getvalue():
        raise RuntimeError(f"exit {code!r}: {err.getvalue()[-300:]}")
    if code == 2 and len(err.getvalue().strip().splitlines()) != 1:
        raise RuntimeError(f"exit 2 without one line on stderr: {err.getvalue()[-300:]!r}")
    return code in (0, None)
