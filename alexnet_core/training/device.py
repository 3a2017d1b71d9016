"""Which device a run uses: the config's ``device`` setting, checked against what this machine has."""

from __future__ import annotations

import torch


def resolve_device(name: str = "auto") -> str:
    """auto picks CUDA, then MPS, then CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for but no CUDA GPU is visible")
    if name not in ("cpu", "mps") and not name.startswith("cuda"):
        raise ValueError(f"device must be auto, cpu, cuda or mps, got {name!r}")
    return name
