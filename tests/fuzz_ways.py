"""Every way a user's input gets in, as (make an input, call the real entry function), and one
``run_one`` that classifies what happened: refused cleanly, accepted, failed (an exception that is not
the project's refusal), or over budget (it allocated what the budget should have refused first).

The pytest suite (tests/test_fuzz.py) and the benchmark (benchmarks/fuzz_all.py) both use ``WAYS``.
"""

from __future__ import annotations

import os
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alexnet_core.arch.budget import BudgetError
from alexnet_core.arch.shapes import ShapeError
from alexnet_core.cli import CliError
from alexnet_core.export.exporter import ExportError
from alexnet_core.inside.images import MAX_PIXELS, ImageError
from alexnet_core.spec.types import SpecError
from alexnet_core.training.data import DatasetError
from alexnet_core.weights.checkpoint import CheckpointError
from alexnet_core.weights.imagenet import WeightsError
from tests import fuzz_entries as E
from tests.fuzz_cli import cli_argv, enter_cli
from tests.fuzz_corpus import image_bytes, spec_text
from tests.fuzz_files import CALLED, checkpoint_bytes, onnx_bytes
from tests.fuzz_meter import FUZZ_BYTES, PIL_BYTES_PER_PIXEL, OverBudget, metered, small_budget

# The project's own refusals: each is a ValueError subclass whose str() is the sentence a user sees.
REFUSALS: tuple[type[BaseException], ...] = (SpecError, BudgetError, ShapeError, ImageError, CheckpointError,
                                              WeightsError, ExportError, DatasetError, CliError)
# An image at the pixel limit may be decoded (4 B/px) and converted (3 B/px), plus the network's copy.
IMAGE_BYTES = 4 * MAX_PIXELS * PIL_BYTES_PER_PIXEL
WARM_UP = 12  # unmetered inputs per way before the counted ones


class Outcome(StrEnum):
    REFUSED = "refused cleanly"
    ACCEPTED = "accepted"
    FAILED = "failed (traceback)"
    OVER = "over budget"


@dataclass(frozen=True)
class Way:
    name: str
    make: Callable[[random.Random], tuple[str, Any]]  # (hostile class, input)
    enter: Callable[[Any, Path], bool]  # True: accepted; False or a REFUSALS error: refused
    limit: int = FUZZ_BYTES  # bytes the entry may allocate for any input
    pil_limit: int | None = None  # the largest single PIL image (None: ``limit``)


@dataclass(frozen=True)
class Result:
    way: str
    label: str
    outcome: Outcome
    detail: str = ""
    value: str = ""  # the input, shortened, for a failure's report


WAYS: list[Way] = [
    Way("url query string", E.url_params, E.enter_url),
    Way("spec file upload", spec_text, E.enter_spec_upload),
    Way("Layer Lab dial (browser JSON)", E.dial_event, E.enter_dial),
    Way("image upload / camera", E.image_and_size(image_bytes), E.enter_image, IMAGE_BYTES, IMAGE_BYTES // 4),
    Way("checkpoint file", E.checkpoint_and_use(checkpoint_bytes), E.enter_checkpoint),
    Way("ONNX file", onnx_bytes, E.enter_onnx),
    Way("CLI flags", cli_argv, enter_cli),
    Way("training settings", E.train_settings, E.enter_training),
]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:200] + f"... ({len(text):,} characters) ..." + text[-60:]


def run_one(way: Way, rng: random.Random, work: Path) -> Result:
    """One input through one way in, under the fuzz budget."""
    label, value = way.make(rng)
    called_before = len(CALLED)
    outcome, detail = Outcome.ACCEPTED, ""
    with small_budget():
        try:
            with metered(way.limit, way.pil_limit) as peak:
                accepted = way.enter(value, work)
            outcome = Outcome.ACCEPTED if accepted else Outcome.REFUSED
            if peak.python + peak.torch > way.limit:
                outcome, detail = Outcome.OVER, (f"peak {peak.python + peak.torch:,} bytes > {way.limit:,} (Python "
                                                 f"{peak.python:,}, torch {peak.torch:,})")
        except OverBudget as exc:
            outcome, detail = Outcome.OVER, str(exc)
        except REFUSALS as exc:
            outcome, detail = Outcome.REFUSED, str(exc)[:200]
        except Exception as exc:  # noqa: BLE001 (anything else is what the fuzz looks for)
            frames = traceback.extract_tb(exc.__traceback__)
            where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames)
                          if "alexnet_core" in f.filename or "/ui/" in f.filename), "?")
            outcome, detail = Outcome.FAILED, f"{type(exc).__name__} at {where}: {str(exc)[:200]}"
    if len(CALLED) > called_before:
        outcome, detail = Outcome.FAILED, f"a pickle ran code: {CALLED[-1]}"
    return Result(way.name, label, outcome, detail, "" if outcome in (Outcome.REFUSED, Outcome.ACCEPTED)
                  else _short(value))


def prepare_workspace(folder: Path) -> dict[str, str]:
    """The folders every way writes into (runs, data), as the environment variables that move them."""
    env = {"ALEXNET_RUNS_DIR": str(folder / "runs"), "ALEXNET_DATA_DIR": str(folder / "data")}
    for path in env.values():
        os.makedirs(path, exist_ok=True)
    warm_up()
    return env


def warm_up() -> None:
    """Import once, outside the meters, what the entries import lazily (a first import is not an input's work)."""
    from alexnet_core.arch.torchinfo_table import summarize  # noqa: F401
    from alexnet_core.cli import build_parser
    from alexnet_core.export.checks import onnxruntime
    from alexnet_core.figures.card import card_for  # noqa: F401
    from ui.compare import view  # noqa: F401
    from ui.lab import view as lab  # noqa: F401
    from ui.tour import page  # noqa: F401

    onnxruntime()
    build_parser()
    with small_budget():
        for way in WAYS:  # lazy imports and first-call caches of each path, then metered from a clean start
            rng = random.Random(12345)
            for _ in range(WARM_UP):
                try:  # under the meters too: a dispatch mode has first-call costs of its own
                    with metered(10 * way.limit):
                        way.enter(way.make(rng)[1], Path(os.environ["ALEXNET_RUNS_DIR"]))
                except Exception:  # noqa: BLE001, S110 (only the counted runs count)
                    pass
