"""Checkpoints as plain dicts of tensors and primitives, loadable with weights_only=True.

Format: {"format": 1, "spec": spec.to_dict(), "state_dict": {...}, "meta": {...}}.
The training jobs write them; the feature-map and export pages read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from alexnet_core.spec.parse import spec_from_dict
from alexnet_core.spec.types import ArchSpec

FORMAT = 1
RESUME_FILE = "resume.pt"  # a training run's optimiser state beside its model.pt: not a model checkpoint
MAX_CHECKPOINT_BYTES = 600 * 1024 * 1024  # an fp32 AlexNet is ~250 MB; refuse anything absurd


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message says why in one sentence."""


def save_checkpoint(path: Path, spec: ArchSpec, model: nn.Module, meta: dict[str, Any] | None = None) -> Path:
    """Write atomically (tmp + rename) so a killed process never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu") for k, v in model.state_dict().items()}
    payload = {"format": FORMAT, "spec": spec.to_dict(), "state_dict": state, "meta": dict(meta or {})}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def load_checkpoint(path: Path) -> tuple[ArchSpec, dict[str, torch.Tensor], dict[str, Any]]:
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    if path.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{path.name} is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, truncation, a forbidden global: all one message
        raise CheckpointError(f"{path.name} is not a readable checkpoint ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "state_dict" not in payload:
        raise CheckpointError(f"{path.name} is not an AlexNet Explorer checkpoint")
    spec = spec_from_dict(payload["spec"])
    return spec, payload["state_dict"], payload.get("meta", {})


def list_checkpoints(base: Path, limit: int = 50) -> list[str]:
    """Model checkpoints (.pt/.pth) under ``base``, relative to it, newest first; resume files skipped."""
    found = [p for p in base.rglob("*") if p.suffix in (".pt", ".pth") and p.name != RESUME_FILE and p.is_file()]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(p.relative_to(base)) for p in found[:limit]]
