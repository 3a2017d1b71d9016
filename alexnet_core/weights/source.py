"""Where a model's weights come from, and the one ``load`` every page and command uses.

A ``WeightsSource`` is seeded random init, torchvision's ImageNet file, a Training checkpoint
from the runs folder, or uploaded state_dict bytes. ``load(source, spec)`` returns the model
with the spec it was built from: a checkpoint brings its own spec (and how it was trained),
every other source takes the spec it is given. Every file is read with ``weights_only=True``;
a file that does not fit gets one message naming the first tensor that does not fit.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import torch
from torch import nn

from alexnet_core import paths
from alexnet_core.arch import budget
from alexnet_core.arch.build import AlexNet, build_model
from alexnet_core.guard.limits import UPLOAD_WEIGHTS_MB
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights import imagenet
from alexnet_core.weights.checkpoint import MAX_CHECKPOINT_BYTES, CheckpointError, TrainedWith, list_checkpoints, load_checkpoint
from alexnet_core.weights.imagenet import Progress, WeightsError, WeightsUnavailable

__all__ = ["MAX_UPLOAD_BYTES", "Kind", "Loaded", "WeightsError", "WeightsSource", "WeightsUnavailable",
           "check_state", "checkpoint_files", "is_counter", "load", "load_estimate", "load_state", "without_counters"]

MAX_UPLOAD_BYTES = UPLOAD_WEIGHTS_MB * 1024 * 1024  # the widget's and the server's cap (guard.limits)


class Kind(StrEnum):
    RANDOM = "random"
    PRETRAINED = "pretrained"
    CHECKPOINT = "checkpoint"
    UPLOAD = "upload"


@dataclass(frozen=True)
class WeightsSource:
    kind: Kind = Kind.RANDOM
    seed: int = 0  # random only
    checkpoint: str | None = None  # checkpoint only: a path relative to the runs folder
    data: bytes | None = field(default=None, repr=False, compare=False)  # upload only
    name: str = "upload"  # the upload's file name
    digest: str = ""  # the upload's sha256 (its first 16 hex digits): names it once the bytes are gone

    @classmethod
    def upload(cls, data: bytes, name: str) -> WeightsSource:
        return cls(Kind.UPLOAD, data=data, name=name, digest=hashlib.sha256(data).hexdigest()[:16])

    @property
    def key(self) -> str:
        """Names the weights for a cache: a retrained checkpoint or another upload gets a new key."""
        if self.kind == Kind.RANDOM:
            return f"random:{self.seed}"
        if self.kind == Kind.CHECKPOINT:
            try:
                stamp = paths.inside(paths.runs_dir(), self.checkpoint or "").stat().st_mtime_ns
            except (OSError, ValueError):
                stamp = 0
            return f"checkpoint:{self.checkpoint}@{stamp}"
        if self.kind == Kind.UPLOAD:
            return f"upload:{self.digest or hashlib.sha256(self.data or b'').hexdigest()[:16]}"
        return str(self.kind)

    def label(self) -> str:
        return {Kind.RANDOM: f"random (seed {self.seed})", Kind.PRETRAINED: "pretrained (torchvision ImageNet)",
                Kind.CHECKPOINT: f"checkpoint {self.checkpoint}", Kind.UPLOAD: f"uploaded {self.name}"}[self.kind]


@dataclass(frozen=True)
class Loaded:
    model: AlexNet  # eval mode
    spec: ArchSpec  # the spec the model was built from: a checkpoint's own, else the one asked for
    source: WeightsSource
    classes: tuple[str, ...] | None  # class names, when the weights come with them
    trained: TrainedWith | None = None  # a checkpoint's training set-up (fields None when unrecorded)

    @property
    def own_spec(self) -> bool:
        """The weights brought their spec (a checkpoint): the one asked for was not used."""
        return self.trained is not None

    def input_size(self, fallback: int) -> int:
        """The size the weights were trained at, or ``fallback`` when nobody recorded one."""
        return self.trained.input_size if self.trained and self.trained.input_size else fallback

    def describe(self, fallback_size: int) -> str:
        """One sentence for the page: whose spec is in use, at what size, trained on what."""
        if not self.own_spec:
            return ""
        t = self.trained
        assert t is not None
        size = f"{t.input_size} px" if t.input_size else f"{fallback_size} px (the file does not say its size)"
        where = f" on {t.dataset}" if t.dataset else ""
        return f"Using the checkpoint's own spec: {spec_summary(self.spec)}, trained at {size}{where}."


def spec_summary(spec: ArchSpec) -> str:
    widths = "-".join(str(c.out_channels) for c in spec.convs)
    return f"{spec.name} (conv widths {widths}, {spec.in_channels} in, {spec.num_classes} classes)"


def is_counter(key: str) -> bool:
    """BatchNorm's step counter: no weight, never exported, optional in files."""
    return key.endswith("num_batches_tracked")


def without_counters(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v for k, v in state.items() if not is_counter(k)}


def check_state(model: nn.Module, state: dict[str, torch.Tensor], name: str) -> None:
    """Raise WeightsError naming the first tensor that is missing, unexpected or the wrong shape."""
    own = model.state_dict()
    for key, tensor in own.items():
        if key not in state:
            if is_counter(key):
                continue
            raise WeightsError(f"{name} has no tensor {key} {tuple(tensor.shape)} that this spec needs")
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise WeightsError(f"{name} does not fit this spec: {key} is {tuple(state[key].shape)} "
                               f"in the file but {tuple(tensor.shape)} here")
    extra = [k for k in state if k not in own]
    if extra:
        raise WeightsError(f"{name} has a tensor {extra[0]} that this spec does not have")


def load_state(spec: ArchSpec, state: dict[str, torch.Tensor], name: str) -> AlexNet:
    """A model of ``spec`` holding ``state``, checked first on a weightless copy (nothing allocated
    for a file that does not fit). Missing BatchNorm counters keep the model's own."""
    check_state(build_model(spec, device="meta"), state, name)
    model = build_model(spec, seed=None)  # plain init, overwritten next
    model.load_state_dict({**model.state_dict(), **state})
    return model.eval()


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


def checkpoint_files() -> list[str]:
    """Checkpoints the Training page saved, relative to the runs folder, newest first."""
    return list_checkpoints(paths.runs_dir())


def _within_budget(spec: ArchSpec, size: int | tuple[int, int] | None) -> None:
    """The one budget, before anything is built: parameters, and one image's work at ``size``."""
    h, w = (size, size) if isinstance(size, int) or size is None else size
    try:
        budget.check(spec, h, w)
    except budget.BudgetError as exc:
        raise WeightsError(str(exc)) from None


def load_estimate(source: WeightsSource, spec: ArchSpec) -> int:
    """Bytes ``load`` holds while it makes the model, known before a byte is read (the server-wide
    ledger's share): the spec's float32 parameters; for a checkpoint, whose spec is inside the file,
    twice the file's size (the tensors read, and the model built from them, fp32 on disk as in memory).
    0 when ``load`` will refuse before building anything."""
    if source.kind == Kind.CHECKPOINT:
        try:
            path = paths.inside(paths.runs_dir(), source.checkpoint or "")
            return 2 * min(path.stat().st_size, MAX_CHECKPOINT_BYTES) if path.is_file() else 0
        except (OSError, ValueError):  # outside the runs folder, or gone: load() says so
            return 0
    return 0 if budget.param_problem(spec) else budget.param_bytes(spec)


def load(source: WeightsSource, spec: ArchSpec, *, size: int | tuple[int, int] | None = None, download: bool = False,
         progress: Progress | None = None) -> Loaded:
    """The model for ``source``, refused (WeightsError with the budget's sentence) before anything is
    built when its parameters, or one image at ``size`` (a checkpoint's own size when it records one),
    exceed the budget. Raises WeightsError (WeightsUnavailable: torchvision's file is not here and
    ``download`` was not asked for, or failed); ShapeError when ``size`` does not fit the network."""
    if source.kind == Kind.CHECKPOINT:
        return _checkpoint(source, size)
    _within_budget(spec, size)
    if source.kind == Kind.RANDOM:
        return Loaded(build_model(spec, seed=source.seed).eval(), spec, source, None)
    if source.kind == Kind.PRETRAINED:
        entry = imagenet.torchvision_entry()
        path = imagenet.cache_path(entry)
        if not path.is_file():
            if not download:
                raise WeightsUnavailable(f"{entry.title} weights are not on this machine: download them, "
                                         f"or place {entry.filename} at {path}")
            imagenet.fetch(entry, progress)
        return Loaded(load_state(spec, _read_state(path, entry.filename), entry.filename), spec, source,
                      entry.categories)
    if source.kind == Kind.UPLOAD:
        kept = replace(source, data=None, digest=source.key.partition(":")[2])  # a cached result holds no bytes
        return Loaded(_upload(spec, source.data or b"", source.name), spec, kept, None)
    raise WeightsError(f"unknown weights {source.kind!r}; use one of {', '.join(Kind)}")


def _checkpoint(source: WeightsSource, size: int | tuple[int, int] | None) -> Loaded:
    if not source.checkpoint:
        raise WeightsError("choose a checkpoint")
    try:
        path = paths.inside(paths.runs_dir(), source.checkpoint)
        ckpt = load_checkpoint(path)
    except (CheckpointError, ValueError) as exc:
        raise WeightsError(str(exc)) from None
    _within_budget(ckpt.spec, (ckpt.trained.input_size or size) if size is not None else None)
    model = load_state(ckpt.spec, ckpt.state, path.name)
    return Loaded(model, ckpt.spec, source, ckpt.trained.classes, ckpt.trained)


def _upload(spec: ArchSpec, data: bytes, name: str) -> AlexNet:
    """An uploaded .pt/.pth state_dict: size-capped, weights_only, shape-checked."""
    if not name.lower().endswith((".pt", ".pth")):
        raise WeightsError(f"{name} is not a .pt or .pth file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise WeightsError(f"{name} is {len(data) / 2**20:.0f} MB; weights files up to "
                           f"{MAX_UPLOAD_BYTES // 2**20} MB are accepted")
    return load_state(spec, _read_state(data, name), name)
