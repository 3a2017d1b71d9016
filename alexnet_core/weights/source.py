"""Where a model's weights come from: seeded init, torchvision's ImageNet file, a Training
checkpoint, or an uploaded state_dict. Every file is read with ``weights_only=True``.

The torchvision file lives where torchvision itself caches it
(``$TORCH_HOME/hub/checkpoints/<file>``), so a copy fetched by any torchvision
program is found here, and a file placed there by hand works offline.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from alexnet_core import paths
from alexnet_core.arch.build import AlexNet, build_model
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.checkpoint import (
    CheckpointError,
    list_checkpoints,
    load_checkpoint,
)

MAX_UPLOAD_BYTES = 400 * 1024 * 1024  # fp32 AlexNet is ~245 MB
Progress = Callable[[int, int], None]  # (bytes so far, total bytes or 0)


class WeightsError(ValueError):
    """Weights that cannot be used with this spec; one sentence saying why."""


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


def _read_state(source: Path | bytes, name: str) -> dict[str, torch.Tensor]:
    try:
        obj = torch.load(source if isinstance(source, Path) else io.BytesIO(source),
                         map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncation, a forbidden global: one message
        raise WeightsError(f"{name} is not a readable PyTorch weights file ({type(exc).__name__})") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]  # a checkpoint-style wrapper
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()) or not obj:
        raise WeightsError(f"{name} does not hold a state_dict (a dict of tensors)")
    return obj


def check_state(model: nn.Module, state: dict[str, torch.Tensor], name: str) -> None:
    """Raise WeightsError naming the first tensor that is missing, unexpected or the wrong shape."""
    own = model.state_dict()
    for key, tensor in own.items():
        if key not in state:
            raise WeightsError(f"{name} has no tensor {key} {tuple(tensor.shape)} that this spec needs")
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise WeightsError(f"{name} does not fit this spec: {key} is {tuple(state[key].shape)} "
                               f"in the file but {tuple(tensor.shape)} here")
    extra = [k for k in state if k not in own]
    if extra:
        raise WeightsError(f"{name} has a tensor {extra[0]} that this spec does not have")


def _loaded(spec: ArchSpec, state: dict[str, torch.Tensor], name: str) -> AlexNet:
    model = build_model(spec, device="meta")
    check_state(model, state, name)
    model = build_model(spec, seed=None)  # plain init, overwritten next
    model.load_state_dict(state)
    return model.eval()


def random_model(spec: ArchSpec, seed: int = 0) -> AlexNet:
    """The spec's own init scheme, seeded: the same seed gives the same weights."""
    return build_model(spec, seed=seed).eval()


def pretrained_model(spec: ArchSpec, entry: Pretrained | None = None, *, download: bool = False,
                     progress: Progress | None = None) -> AlexNet:
    """The cached torchvision weights in a model of this spec; downloads only when asked."""
    entry = entry or torchvision_entry()
    path = cache_path(entry)
    if not path.is_file():
        if not download:
            raise WeightsUnavailable(f"{entry.title} weights are not on this machine: download them, "
                                     f"or place {entry.filename} at {path}")
        fetch(entry, progress)
    return _loaded(spec, _read_state(path, entry.filename), entry.filename)


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


def checkpoint_files() -> list[str]:
    """Checkpoints the Training page saved, relative to the runs folder, newest first."""
    return list_checkpoints(paths.runs_dir())


def checkpoint_model(spec: ArchSpec, rel_path: str) -> tuple[AlexNet, dict]:
    """A checkpoint from the runs folder (the path may not leave it), checked against the spec."""
    path = paths.inside(paths.runs_dir(), rel_path)
    try:
        saved_spec, state, meta = load_checkpoint(path)
    except CheckpointError as exc:
        raise WeightsError(str(exc)) from None
    try:
        model = _loaded(spec, state, path.name)
    except WeightsError as exc:
        if saved_spec == spec:
            raise
        raise WeightsError(f"{exc} (it was saved for the {saved_spec.name} spec: choose that in the sidebar)") from None
    return model, {**meta, "spec_name": saved_spec.name}


def upload_model(spec: ArchSpec, data: bytes, name: str = "upload") -> AlexNet:
    """An uploaded .pt/.pth state_dict: size-capped, weights_only, shape-checked."""
    if not name.lower().endswith((".pt", ".pth")):
        raise WeightsError(f"{name} is not a .pt or .pth file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise WeightsError(f"{name} is {len(data) / 2**20:.0f} MB; weights files up to "
                           f"{MAX_UPLOAD_BYTES // 2**20} MB are accepted")
    return _loaded(spec, _read_state(data, name), name)
