"""What one fuzz input may allocate, measured without letting it allocate more.

The fuzz runs under a small budget (``FUZZ_BYTES``, patched into ``alexnet_core.arch.budget``) so that
every network the app accepts is cheap to build, and every input that slips past a guard shows as
work over that budget. Three meters run together while an entry function is called:

- ``tracemalloc``: Python objects and numpy arrays (numpy reports its buffers to it);
- a ``TorchDispatchMode``: the bytes of tensor storages alive at once; a factory call (``empty``,
  ``zeros``...) that would take the live total over the limit is stopped *before* it allocates;
- PIL: ``Image.resize``/``Image.load``/``Image.convert`` are asked their output size first, and
  stopped before allocating when it is over the limit.

A stopped allocation raises ``OverBudget`` (not a project error), so the harness counts it as a breach.
"""

from __future__ import annotations

import math
import threading
import tracemalloc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, ImageFile
from torch.utils._python_dispatch import TorchDispatchMode

FUZZ_BYTES = 64 * 2**20  # every network the fuzz lets through is at most this much work
FUZZ_PARAMS = FUZZ_BYTES // 4  # float32 parameters that fit in it
# Images have their own limit (MAX_PIXELS): decoding one and converting it to RGB at that size is allowed.
PIL_BYTES_PER_PIXEL = 4


class OverBudget(Exception):
    """An allocation the budget should have refused, stopped before it happened."""


@dataclass
class Peak:
    python: int = 0  # tracemalloc's peak (Python + numpy)
    torch: int = 0  # the most tensor-storage bytes alive at once
    pil: int = 0  # the largest single PIL image asked for

    @property
    def total(self) -> int:
        return self.python + self.torch + self.pil


_FACTORIES = {"empty", "empty_strided", "zeros", "ones", "full", "rand", "randn", "randint", "new_empty",
              "new_zeros", "new_ones", "new_full", "empty_like", "zeros_like", "ones_like", "full_like"}


def _numel(size: Any) -> int:
    try:
        return math.prod(int(s) for s in size)
    except TypeError:
        return 0


class _TorchMeter(TorchDispatchMode):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.live, self.peak = limit, 0, 0
        self._seen: dict[int, tuple[weakref.ref, int]] = {}

    def _gone(self, key: int) -> None:
        _, nbytes = self._seen.pop(key, (None, 0))
        self.live -= nbytes

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        name = func.overloadpacket.__name__
        if name in _FACTORIES and args and kwargs.get("device", None) != torch.device("meta"):
            shape = args[0].shape if isinstance(args[0], torch.Tensor) else args[0]
            dtype = kwargs.get("dtype") or torch.get_default_dtype()
            asked = _numel(shape) * torch.empty((), dtype=dtype, device="meta").element_size()
            if self.live + asked > self.limit:
                raise OverBudget(f"torch.{name} of {asked:,} bytes with {self.live:,} already alive")
        out = func(*args, **kwargs)
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(t, torch.Tensor) and t.device.type != "meta":
                storage = t.untyped_storage()
                key = id(storage)
                if key not in self._seen and storage.nbytes():
                    self._seen[key] = (weakref.ref(storage, lambda _, k=key: self._gone(k)), storage.nbytes())
                    self.live += storage.nbytes()
                    self.peak = max(self.peak, self.live)
        return out


_PATCH_LOCK = threading.Lock()


@contextmanager
def _pil_meter(peak: Peak, limit: int) -> Iterator[None]:
    """Ask each PIL operation that makes a new image its size before it allocates."""
    originals = Image.Image.resize, Image.Image.convert, ImageFile.ImageFile.load

    def ask(w: int, h: int, what: str) -> None:
        nbytes = int(w) * int(h) * PIL_BYTES_PER_PIXEL
        peak.pil = max(peak.pil, nbytes)
        if nbytes > limit:
            raise OverBudget(f"PIL {what} of {w}×{h} pixels ({nbytes:,} bytes)")

    def resize(self: Image.Image, size: Any, *a: Any, **k: Any) -> Image.Image:
        ask(*size, "resize")
        return originals[0](self, size, *a, **k)

    def convert(self: Image.Image, *a: Any, **k: Any) -> Image.Image:
        ask(*self.size, "convert")
        return originals[1](self, *a, **k)

    def load(self: ImageFile.ImageFile) -> Any:
        ask(*self.size, "decode")
        return originals[2](self)

    with _PATCH_LOCK:
        Image.Image.resize, Image.Image.convert, ImageFile.ImageFile.load = resize, convert, load
        try:
            yield
        finally:
            Image.Image.resize, Image.Image.convert, ImageFile.ImageFile.load = originals


@contextmanager
def metered(limit: int = FUZZ_BYTES, pil_limit: int | None = None) -> Iterator[Peak]:
    """Measure what the body allocates; OverBudget as soon as one allocation would pass the limit."""
    peak = Peak()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    mode = _TorchMeter(limit)
    try:
        with _pil_meter(peak, pil_limit or limit), mode:
            yield peak
    finally:
        peak.python = max(0, tracemalloc.get_traced_memory()[1] - base)
        peak.torch = mode.peak
        if started:
            tracemalloc.stop()


@contextmanager
def small_budget() -> Iterator[None]:
    """The app's one budget shrunk to ``FUZZ_BYTES`` for the duration (restored after)."""
    from alexnet_core.arch import budget

    saved = budget.MAX_BYTES, budget.MAX_PARAMS
    budget.MAX_BYTES, budget.MAX_PARAMS = FUZZ_BYTES, FUZZ_PARAMS
    try:
        yield
    finally:
        budget.MAX_BYTES, budget.MAX_PARAMS = saved
