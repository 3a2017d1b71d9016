"""Real forward passes, layer by layer, to check the analytic figures against."""

from __future__ import annotations

import torch
from torch import nn

from alexnet_core.arch.build import AlexNet


def forward_shapes(model: AlexNet, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """(label, output shape without batch) for every labelled layer, in forward order."""
    seen: list[tuple[str, tuple[int, ...]]] = []
    hooks = []
    for path, module in model.named_modules():
        if path in model.labels and not isinstance(module, nn.Identity):
            label = model.labels[path]
            hooks.append(module.register_forward_hook(
                lambda m, i, o, label=label: seen.append((label, tuple(o.shape[1:])))))
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    return seen


def app_test(path: str = "app.py", query: dict[str, str] | None = None, timeout: float = 120):
    """AppTest of a file under the repo root, with optional query parameters, already run once."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / path), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()
