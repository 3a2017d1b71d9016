"""Where the app keeps its files, and the guard that keeps user paths inside them.

Reading a path creates nothing: whoever writes there first makes the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"  # static files the app ships: icon, tour texts and pictures


def runs_dir() -> Path:
    """Training runs, metrics and checkpoints. ALEXNET_RUNS_DIR moves it."""
    return Path(os.environ.get("ALEXNET_RUNS_DIR", ROOT / "runs")).expanduser().resolve()


def data_dir() -> Path:
    """Datasets (torchvision downloads, ImageFolders). ALEXNET_DATA_DIR moves it."""
    return Path(os.environ.get("ALEXNET_DATA_DIR", ROOT / "data")).expanduser().resolve()


def inside(base: Path, user_path: str | os.PathLike[str]) -> Path:
    """Resolve a user-given path relative to base; refuse anything that leaves it."""
    base = base.resolve()
    candidate = (base / user_path).resolve()
    if candidate != base and base not in candidate.parents:
        raise ValueError(f"{str(user_path)!r} is outside the app's folder {base}; use a path inside it")
    return candidate
