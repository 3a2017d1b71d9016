"""torchvision's ImageNet weights file: where it is cached, and how it is fetched.

The file lives where torchvision itself caches it (``$TORCH_HOME/hub/checkpoints/<file>``), so a
copy fetched by any torchvision program is found here, and a file placed there by hand works
offline. Reading it is ``weights.source.load``'s job, like every other weights file.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

Progress = Callable[[int, int], None]  # (bytes so far, total bytes or 0)


class WeightsError(ValueError):
    """Weights that cannot be used; one sentence saying why."""


class WeightsUnavailable(WeightsError):
    """The torchvision file is neither cached nor downloadable (offline)."""


@dataclass(frozen=True)
class Pretrained:
    """One downloadable weights file; torchvision's own entry is the default."""

    url: str
    categories: tuple[str, ...]
    title: str

    @property
    def filename(self) -> str:
        return os.path.basename(self.url)


def torchvision_entry() -> Pretrained:
    from torchvision.models import AlexNet_Weights

    w = AlexNet_Weights.IMAGENET1K_V1
    return Pretrained(w.url, tuple(w.meta["categories"]), "torchvision ImageNet (IMAGENET1K_V1)")


def cache_path(entry: Pretrained | None = None) -> Path:
    """$TORCH_HOME/hub/checkpoints/<file>: the file torchvision's weights API reads and writes."""
    entry = entry or torchvision_entry()
    return Path(torch.hub.get_dir()) / "checkpoints" / entry.filename


def is_cached(entry: Pretrained | None = None) -> bool:
    return cache_path(entry).is_file()


def fetch(entry: Pretrained, progress: Progress | None = None, timeout: float = 20.0) -> Path:
    """Download to the torch cache (tmp + rename), checking torchvision's hash prefix in the name."""
    path = cache_path(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(entry.url, timeout=timeout) as r, open(tmp, "wb") as f:
            total = int(r.headers.get("Content-Length") or 0)
            done = 0
            while chunk := r.read(1 << 20):
                f.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise WeightsUnavailable(f"could not download {entry.filename} ({exc.__class__.__name__}: offline?); "
                                 f"place the file at {path}") from None
    prefix = entry.filename.rsplit("-", 1)[-1].split(".")[0]
    if prefix and not digest.hexdigest().startswith(prefix):
        tmp.unlink(missing_ok=True)
        raise WeightsError(f"the download of {entry.filename} is corrupt (hash mismatch); try again")
    tmp.replace(path)
    return path
