"""The one memory budget: anything built from what a user gave is checked here before a byte is allocated.

Every way in (a URL, an upload, a checkpoint, an ONNX file, a CLI flag, a training config) asks
``problem``/``check`` with the work it is about to do; a refusal is one sentence, the same everywhere.
The numbers live in ``alexnet_core.guard.limits``.
"""

from __future__ import annotations

from enum import StrEnum

from alexnet_core.arch.shapes import trace
from alexnet_core.arch.table import BYTES_PER_VALUE, count_params
from alexnet_core.format import fmt_bytes, fmt_count
from alexnet_core.guard.limits import MAX_PARAMS, MAX_REQUEST_BYTES
from alexnet_core.spec.types import ArchSpec

MAX_BYTES = MAX_REQUEST_BYTES

STATEMENT = (f"Budget: at most {fmt_count(MAX_PARAMS)} parameters and {fmt_bytes(MAX_BYTES)} of float32 "
             "parameters + activations for one image; larger networks are refused, not built.")


class BudgetError(ValueError):
    """A request the budget refuses; str() is the sentence to show."""


class Work(StrEnum):
    FORWARD = "one image through the network"  # parameters + activations
    GRADIENT = "a saliency map (forward and backward)"  # + parameter and activation gradients
    EXPORT = "an ONNX export and its checks"  # + the file's and onnxruntime's copies of the weights
    TRAIN = "a training step"  # + the batch, gradients and optimizer state


def param_problem(spec: ArchSpec) -> str | None:
    """Size-independent check: too many parameters."""
    n = count_params(spec)
    if n > MAX_PARAMS:
        return (f"refused: {n:,} parameters ({fmt_count(n)}) is over the budget of {fmt_count(MAX_PARAMS)}; "
                "shrink the widest layer (often fc6: fewer channels into it, or a narrower hidden width)")
    return None


def param_bytes(spec: ArchSpec) -> int:
    """float32 bytes of the spec's parameters (arithmetic only)."""
    return count_params(spec) * BYTES_PER_VALUE


def activation_values(spec: ArchSpec, height: int, width: int | None = None) -> int:
    """Values every layer's output holds for one image (arithmetic only; ShapeError when it does not fit)."""
    total = 0
    for s in trace(spec, height, width):
        n = 1
        for d in s.out_shape:
            n *= d
        total += n
    return total


def work_bytes(spec: ArchSpec, height: int, width: int | None = None, *, work: Work = Work.FORWARD,
               batch: int = 1, optimizer_slots: int = 2) -> int:
    """Bytes the work holds at its peak, in float32: a training step keeps every activation for the
    backward pass plus their gradients, the parameters' gradients and the optimizer's state
    (``optimizer_slots`` tensors per parameter: 2 for Adam, 1 for SGD with momentum)."""
    params = count_params(spec)
    acts = activation_values(spec, height, width) * batch
    inputs = spec.in_channels * height * (width or height) * batch
    if work is Work.FORWARD:
        values = params + acts + inputs
    elif work is Work.GRADIENT:
        values = 2 * params + 2 * (acts + inputs)
    elif work is Work.EXPORT:
        values = 3 * params + 2 * (acts + inputs)  # parity runs PyTorch and onnxruntime side by side
    else:
        values = params * (2 + optimizer_slots) + 2 * acts + inputs
    return values * BYTES_PER_VALUE


def problem(spec: ArchSpec, height: int, width: int | None = None, *, work: Work = Work.FORWARD,
            batch: int = 1, optimizer_slots: int = 2) -> str | None:
    """The refusal sentence for this work, or None when it fits. Raises ShapeError (from trace)
    when the input does not fit the network at all."""
    refused = param_problem(spec)
    if refused:
        return refused
    total = work_bytes(spec, height, width, work=work, batch=batch, optimizer_slots=optimizer_slots)
    if total > MAX_BYTES:
        side = f"{height} px" if width in (None, height) else f"{height}×{width} px"
        what = f"{work.value}, batch {batch}" if batch > 1 else work.value
        return (f"refused: {what} at {side} needs {fmt_bytes(total)} of parameters + activations, over the "
                f"budget of {fmt_bytes(MAX_BYTES)}; use a smaller input{' or batch' if batch > 1 else ''} "
                "or fewer channels")
    return None


def memory_problem(spec: ArchSpec, height: int, width: int | None = None) -> str | None:
    """Parameters plus one image's activations at this input; None when within budget."""
    return problem(spec, height, width)


def check(spec: ArchSpec, height: int | None = None, width: int | None = None, *, work: Work = Work.FORWARD,
          batch: int = 1, optimizer_slots: int = 2) -> None:
    """Raise BudgetError with the sentence when the work does not fit (``height`` None: parameters only)."""
    refused = param_problem(spec) if height is None else problem(
        spec, height, width, work=work, batch=batch, optimizer_slots=optimizer_slots)
    if refused:
        raise BudgetError(refused)
