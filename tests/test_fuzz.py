"""Every way in, fuzzed with a fixed, seeded share of hostile inputs (tests/fuzz_ways.py): each input is
refused in one sentence (the project's own errors) or accepted, never a traceback, and never work over
the budget. ``python -m benchmarks.fuzz_all --count 10000`` runs the same ways with many more inputs."""

from __future__ import annotations

import os
import random
import warnings
from pathlib import Path

import pytest

from tests import fuzz_ways as W

PER_WAY = 60  # 8 ways: about 480 inputs, a few seconds
SEED = 20261204


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz_warm")
    saved = {k: os.environ.get(k) for k in ("ALEXNET_RUNS_DIR", "ALEXNET_DATA_DIR")}
    os.environ.update(W.prepare_workspace(folder))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.mark.parametrize("way", W.WAYS, ids=lambda w: w.name)
def test_every_input_is_refused_in_one_sentence_or_accepted_within_the_budget(way, tmp_path):
    W.prepare_workspace(tmp_path)  # the folders the autouse fixture pointed the environment at
    rng = random.Random(f"{SEED}:{way.name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PIL and torch warn about damaged files: that is the point
        results = [W.run_one(way, rng, tmp_path) for _ in range(PER_WAY)]
    bad = [r for r in results if r.outcome in (W.Outcome.FAILED, W.Outcome.OVER)]
    assert not bad, "\n".join(f"{r.outcome}: {r.label}: {r.detail}\n    input: {r.value}" for r in bad[:5])
    assert any(r.outcome == W.Outcome.REFUSED for r in results)  # the share does reach the guards


def test_a_breach_and_a_traceback_are_caught_by_the_harness(tmp_path):
    """The meters see what they are for: an allocation over the budget, and a non-refusal exception."""
    import torch

    def allocates(value, work: Path) -> bool:
        torch.empty(value)
        return True

    def breaks(value, work: Path) -> bool:
        raise TypeError("not a refusal")

    big = W.FUZZ_BYTES // 4 + 1  # float32 elements one over the budget
    over = W.run_one(W.Way("alloc", lambda rng: ("big", big), allocates), random.Random(0), tmp_path)
    fine = W.run_one(W.Way("alloc", lambda rng: ("small", 16), allocates), random.Random(0), tmp_path)
    failed = W.run_one(W.Way("break", lambda rng: ("any", 0), breaks), random.Random(0), tmp_path)
    assert (over.outcome, fine.outcome, failed.outcome) == (W.Outcome.OVER, W.Outcome.ACCEPTED, W.Outcome.FAILED)
