"""Training's files, as plain dicts of tensors and primitives, loadable with weights_only=True.

``model.pt``: {"format": 1, "spec": spec.to_dict(), "state_dict": {...}, "meta": {...}}. Its meta
says how the network was trained (``TrainedWith``: input size, normalisation, class names,
dataset), so a page can use the weights without being told. ``resume.pt``: the model and
optimiser state after the last finished epoch. Both are written atomically (tmp + rename).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from alexnet_core.spec.parse import spec_from_dict
from alexnet_core.spec.types import ArchSpec, SpecError

FORMAT = 1
MODEL_FILE = "model.pt"  # a training run's checkpoint
RESUME_FILE = "resume.pt"  # a training run's optimiser state beside its model.pt: not a model checkpoint
MAX_CHECKPOINT_BYTES = 600 * 1024 * 1024  # an fp32 AlexNet is ~250 MB; refuse anything absurd
MAX_RESUME_BYTES = 3 * MAX_CHECKPOINT_BYTES  # the model, and Adam's two moments of the same size
MAX_CLASS_NAME = 200  # characters; longer names are not names


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message says why in one sentence."""


@dataclass(frozen=True)
class TrainedWith:
    """What a checkpoint was trained with. Each field is None when an older file did not say."""

    input_size: int | None = None  # px, square
    mean: tuple[float, ...] | None = None  # per channel of the dataset's images, in [0, 1]
    std: tuple[float, ...] | None = None
    classes: tuple[str, ...] | None = None
    dataset: str | None = None

    def to_meta(self) -> dict[str, Any]:
        """Primitives only, so that ``weights_only=True`` reads them back."""
        return {"input_size": self.input_size, "mean": _listed(self.mean), "std": _listed(self.std),
                "classes": _listed(self.classes), "dataset": self.dataset}

    @classmethod
    def from_meta(cls, meta: dict[str, Any], spec: ArchSpec) -> TrainedWith:
        """Every field checked on its own: a field that is absent or unusable becomes None."""
        size = meta.get("input_size")
        size = size if isinstance(size, int) and not isinstance(size, bool) and 1 <= size <= 4096 else None
        mean, std = _floats(meta.get("mean")), _floats(meta.get("std"))
        if mean is None or std is None or len(mean) != len(std) or min(std) <= 0:
            mean = std = None
        names = meta.get("classes", meta.get("class_names"))
        classes = tuple(names) if isinstance(names, (list, tuple)) and len(names) == spec.num_classes and all(
            isinstance(n, str) and len(n) <= MAX_CLASS_NAME for n in names) else None
        dataset = meta.get("dataset")
        return cls(size, mean, std, classes, dataset[:200] if isinstance(dataset, str) else None)


def _listed(values: tuple | None) -> list | None:
    return None if values is None else list(values)


def _floats(values: Any) -> tuple[float, ...] | None:
    if not isinstance(values, (list, tuple)) or len(values) not in (1, 3):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return None
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class Checkpoint:
    spec: ArchSpec  # the spec the weights were trained for: it comes with them, always
    state: dict[str, torch.Tensor]
    meta: dict[str, Any]
    trained: TrainedWith


def _atomic_save(payload: dict[str, Any], path: Path) -> Path:
    """tmp + rename, so that a killed process never leaves half a file under the real name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        torch.save(payload, tmp)
    except BaseException:  # a full disk mid-write: the previous file stays, and no half file is left
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def _cpu_state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu") for k, v in model.state_dict().items()}


def _read(path: Path, limit: int, what: str) -> Any:
    if not path.is_file():
        raise CheckpointError(f"no {what} at {path}")
    if path.stat().st_size > limit:
        raise CheckpointError(f"{path.name} is larger than {limit // 2**20} MB")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncation, a forbidden global: all one message
        raise CheckpointError(f"{path.name} is not a readable {what} ({type(exc).__name__})") from None


def save_checkpoint(path: Path, spec: ArchSpec, model: nn.Module, meta: dict[str, Any] | None = None,
                    trained: TrainedWith | None = None) -> Path:
    full = {**(meta or {}), **(trained.to_meta() if trained else {})}
    return _atomic_save({"format": FORMAT, "spec": spec.to_dict(), "state_dict": _cpu_state(model),
                         "meta": full}, path)


def load_checkpoint(path: Path) -> Checkpoint:
    payload = _read(path, MAX_CHECKPOINT_BYTES, "checkpoint")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or not isinstance(
            payload.get("state_dict"), dict):
        raise CheckpointError(f"{path.name} is not an AlexNet Explorer checkpoint")
    odd = next((k for k, v in payload["state_dict"].items() if not isinstance(v, torch.Tensor)), None)
    if odd is not None:
        raise CheckpointError(f"{path.name} holds {str(odd)[:80]!r} that is not a tensor: not a state_dict")
    try:
        spec = spec_from_dict(payload["spec"])
    except (SpecError, ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"{path.name} records a spec that cannot be used ({exc})") from None
    except (RecursionError, OverflowError):  # a spec no parser should have to walk: no details to give
        raise CheckpointError(f"{path.name} records a spec that cannot be used (nested or sized absurdly)") from None
    meta = payload.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return Checkpoint(spec, payload["state_dict"], meta, TrainedWith.from_meta(meta, spec))


def save_resume(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int,
                metrics: dict[str, float]) -> Path:
    return _atomic_save({"model": _cpu_state(model), "optimizer": optimizer.state_dict(), "epoch": int(epoch),
                         "metrics": dict(metrics)}, path)


def load_resume(path: Path) -> dict[str, Any]:
    """{"model", "optimizer", "epoch", "metrics"} as ``save_resume`` wrote them."""
    state = _read(path, MAX_RESUME_BYTES, "resume file")
    if not isinstance(state, dict) or not {"model", "optimizer", "epoch", "metrics"} <= set(state):
        raise CheckpointError(f"{path.name} is not a training resume file")
    return state


def list_checkpoints(base: Path, limit: int = 50) -> list[str]:
    """Model checkpoints (.pt/.pth) under ``base``, relative to it, newest first; resume files skipped."""
    found = [p for p in base.rglob("*") if p.suffix in (".pt", ".pth") and p.name != RESUME_FILE and p.is_file()]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.relative_to(base)) for p in found[:limit]]
