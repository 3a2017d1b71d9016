"""An app-like process for the fault tests: it drives training exactly as the Training page does
(``make_backend`` + ``submit``, then ``ensure`` on every page view, ``requeue`` for Resume), without a
browser. Each line it prints is one JSON object; an exception is printed as one ``ERROR`` line and the
process exits 1, which a test reads as what a user would have seen.

    python -m tests.fault_app FOLDER submit EPOCHS COUNT [GO [UNTIL]]  queue COUNT runs (once file GO exists),
                                            kick until they end (or until file UNTIL exists), exit normally
    python -m tests.fault_app FOLDER kick                            one page view of a restarted app
    python -m tests.fault_app FOLDER resume RUN                      press Resume, kick until it ends
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from alexnet_core.spec import presets
from alexnet_core.training.backends import make_backend
from alexnet_core.training.jobs import submit
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.store import ACTIVE, Store

KICK_S = 0.5  # a page view every half second: far more often than a class would click
SPEC = presets.get("torchvision").spec


def tiny(epochs: int) -> TrainConfig:
    """The offline digits set, 64 px, width x0.125, 128 images: an epoch is a fraction of a second of work."""
    return TrainConfig(epochs=epochs, width=0.125, input_size=64, batch_size=64, train_limit=128, test_limit=32,
                       device="cpu")


def say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def kick_until_ended(folder: Path, backend: object, runs: list[int], until: Path | None = None) -> None:
    store = Store(folder)
    while not until.exists() if until is not None else any(store.get(r).status in ACTIVE for r in runs):
        backend.ensure()  # type: ignore[attr-defined]
        time.sleep(KICK_S)
    say(seen=sorted(r.id for r in store.list()), ended={r: store.get(r).status for r in runs})


def main(argv: list[str]) -> None:
    folder, command, args = Path(argv[0]), argv[1], argv[2:]
    backend = make_backend(folder, "local")
    if command == "submit":
        epochs, count = int(args[0]), int(args[1])
        go, until = (Path(a) if a != "-" else None for a in (args[2:] + ["-", "-"])[:2])
        while go is not None and not go.exists():  # a start line shared with another app process
            time.sleep(0.01)
        runs = [submit(Store(folder), SPEC, tiny(epochs), f"app {os.getpid()} #{i}", backend) for i in range(count)]
        backend.ensure()
        say(runs=runs, pid=os.getpid())
        kick_until_ended(folder, backend, runs, until)
    elif command == "kick":
        backend.ensure()
        say(runs={r.id: r.status for r in Store(folder).list()})
    elif command == "resume":
        run = int(args[0])
        Store(folder).requeue(run, resume=True)
        backend.ensure()
        say(resumed=run, pid=os.getpid())
        kick_until_ended(folder, backend, [run])
    else:
        raise ValueError(f"unknown command {command!r}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as exc:  # what a page would have shown instead of its content
        print(f"ERROR: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
