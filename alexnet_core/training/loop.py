"""The training loop: device-resident data, per-batch resize/augment, channels_last, bf16 on CUDA.

``fit`` knows nothing about queues or stores: it reports through callbacks and stops when
``should_stop()`` says so. ``jobs.py`` and the CLI wire it to the SQLite store.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Protocol

import torch
import torch.nn.functional as F
from torch import nn

from alexnet_core.arch import budget
from alexnet_core.arch.build import build_model
from alexnet_core.arch.shapes import ShapeError, check_input
from alexnet_core.spec.parse import validate
from alexnet_core.spec.types import ArchSpec, SpecError
from alexnet_core.training import data as D
from alexnet_core.training import snapshots as S
from alexnet_core.training.device import resolve_device
from alexnet_core.weights.checkpoint import TrainedWith

OPTIMIZERS = ("sgd", "adam", "adamw")
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a signed 64-bit integer
SCHEDULES = ("constant", "cosine", "step")


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = D.OFFLINE_DEFAULT
    input_size: int = 64  # the course's 224 is a GPU size; 64 keeps a CPU epoch in seconds
    epochs: int = 3
    batch_size: int = 128  # the course's FashionMNIST batch
    optimizer: str = "adam"
    lr: float = 1e-3  # lr 0.01 with Adam is the course's collapse example
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0
    schedule: str = "constant"
    dropout: float | None = None  # None keeps the spec's own
    width: float = 1.0  # multiplies every conv's and hidden layer's width: < 1 for CPU presets
    flip: bool = False
    crop: float = 0.0
    jitter: float = 0.0
    seed: int = 0
    device: str = "auto"
    amp: bool = True  # bf16 autocast, CUDA only
    compile: bool = False
    train_limit: int | None = None  # first N training images (CPU presets)
    test_limit: int | None = None
    download: bool = False
    log_every: int = 10  # steps between logged train loss/accuracy points (each one syncs)
    snapshot_layer: str = S.DEFAULT_LAYER  # whose maps each epoch's snapshot keeps; "" keeps no snapshots

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**d)

    def check(self, spec: ArchSpec | None = None) -> TrainConfig:
        """Raise ValueError naming the first bad setting; with ``spec``, also the budget's (BudgetError)."""
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        for name, lo, hi in (("epochs", 1, 1000), ("batch_size", 1, 65536), ("input_size", 8, 1024),
                             ("seed", 0, MAX_SEED), ("train_limit", 1, 10**9), ("test_limit", 1, 10**9)):
            value = getattr(self, name)  # the limits may be None: every image
            if value is not None and not lo <= value <= hi:
                raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
        if not (0 < self.lr <= 10) or math.isnan(self.lr):
            raise ValueError(f"lr must be in (0, 10], got {self.lr}")
        for name, lo, hi in (("weight_decay", 0.0, 1.0), ("momentum", 0.0, 0.999), ("crop", 0.0, 0.5),
                             ("jitter", 0.0, 0.9)):  # the Training page's widget ranges; NaN fails too
            if not lo <= getattr(self, name) <= hi:
                raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {getattr(self, name)}")
        if not 0.01 <= self.width <= 4:
            raise ValueError(f"width must be between 0.01 and 4, got {self.width}")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not isinstance(self.snapshot_layer, str) or len(self.snapshot_layer) > 40:
            raise ValueError(f"snapshot_layer must be a layer's label such as conv1, got {str(self.snapshot_layer)[:40]!r}")
        if spec is not None and (refused := self.budget_problem(spec)):
            raise budget.BudgetError(refused)
        return self

    def budget_problem(self, spec: ArchSpec) -> str | None:
        """The budget's sentence for one training step of ``spec`` at this width, size, batch and optimizer."""
        try:
            run = scaled_spec(spec, self.width, in_channels=spec.in_channels, num_classes=spec.num_classes)
            return budget.problem(run, self.input_size, work=budget.Work.TRAIN, batch=self.batch_size,
                                  optimizer_slots=1 if self.optimizer == "sgd" else 2)
        except (TrainingFailed, ShapeError):
            return None  # prepare_run says why the spec or size does not fit this dataset


class TrainingFailed(RuntimeError):
    """A run that cannot go on: NaN loss, out of memory, a bad setting. str() is the reason."""


class Cancelled(RuntimeError):
    pass


class Callbacks(Protocol):
    def on_start(self, info: dict[str, Any]) -> None: ...
    def on_step(self, epoch: int, step: int, metrics: dict[str, float], progress: float) -> None: ...
    def on_snapshot(self, epoch: int, data: bytes | None) -> None:
        """The encoded snapshot after ``epoch`` epochs (None: the run keeps none). The first one is the
        starting state, before any step; each later one comes just before its epoch's on_epoch."""
    def on_epoch(self, epoch: int, metrics: dict[str, float], model: nn.Module,
                 optimizer: torch.optim.Optimizer) -> None: ...


def scaled_spec(spec: ArchSpec, width: float, *, in_channels: int, num_classes: int,
                dropout: float | None = None) -> ArchSpec:
    """The spec at ``width`` times its channels and hidden units, fitted to the dataset."""
    convs = []
    for c in spec.convs:
        out = max(c.groups, round(c.out_channels * width / c.groups) * c.groups)
        convs.append(replace(c, out_channels=out))
    hidden = tuple(max(8, round(h * width)) for h in spec.classifier.hidden)
    clf = replace(spec.classifier, hidden=hidden,
                  dropout=spec.classifier.dropout if dropout is None else dropout)
    out = spec.with_(convs=tuple(convs), classifier=clf, num_classes=num_classes)
    if in_channels != spec.in_channels and (convs and in_channels % convs[0].groups == 0):
        out = out.with_(in_channels=in_channels)
    try:
        return validate(out)
    except SpecError as exc:
        raise TrainingFailed(f"the spec does not fit this training set-up: {exc}") from None


def make_optimizer(cfg: TrainConfig, params) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_factor(cfg: TrainConfig, step: int, total: int) -> float:
    if cfg.schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))
    if cfg.schedule == "step":  # x0.1 at 50% and 75% of training
        return 0.1 ** ((step >= total * 0.5) + (step >= total * 0.75))
    return 1.0


@dataclass
class Prepared:
    spec: ArchSpec
    train: D.TensorData
    test: D.TensorData
    mean: torch.Tensor
    std: torch.Tensor
    device: str
    classes: tuple[str, ...] = ()


def prepare_run(spec: ArchSpec, cfg: TrainConfig) -> Prepared:
    """Load both splits onto the device and fit the spec to the dataset (the budget checked first)."""
    cfg.check(spec)
    device = resolve_device(cfg.device)
    train = D.load(cfg.dataset, train=True, download=cfg.download).subset(cfg.train_limit)
    test = D.load(cfg.dataset, train=False, download=cfg.download).subset(cfg.test_limit)
    run_spec = scaled_spec(spec, cfg.width, in_channels=spec.in_channels, num_classes=len(train.classes),
                           dropout=cfg.dropout)
    try:
        check_input(run_spec, cfg.input_size)
    except ShapeError as exc:
        raise TrainingFailed(f"input size {cfg.input_size} px does not fit this spec: {exc}") from None
    mean, std = D.channel_stats(train)
    return Prepared(run_spec, train.to(device), test.to(device), mean.to(device), std.to(device), device,
                    tuple(train.classes))


def trained_with(p: Prepared, cfg: TrainConfig) -> TrainedWith:
    """What a checkpoint of this run must carry to be used as it was trained."""
    return TrainedWith(cfg.input_size, tuple(p.mean.flatten().tolist()), tuple(p.std.flatten().tolist()),
                       p.classes, cfg.dataset)


def _loss(spec: ArchSpec, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    out = out.float()
    return F.nll_loss(out, y) if spec.log_softmax else F.cross_entropy(out, y)


def evaluate(model: nn.Module, p: Prepared, cfg: TrainConfig) -> dict[str, float]:
    model.eval()
    total_loss = torch.zeros((), device=p.device)
    correct = torch.zeros((), device=p.device, dtype=torch.long)
    cuda = p.device.startswith("cuda")
    with torch.no_grad(), torch.autocast("cuda", torch.bfloat16, enabled=cuda and cfg.amp):
        for idx in D.batch_order(len(p.test), max(cfg.batch_size, 256), shuffle=False, device=p.device):
            x = D.prepare(p.test.images[idx], cfg.input_size, mean=p.mean, std=p.std,
                          channels=p.spec.in_channels, channels_last=cuda)
            y = p.test.labels[idx]
            out = model(x)
            total_loss += _loss(p.spec, out, y) * len(idx)
            correct += (out.argmax(1) == y).sum()
    n = max(len(p.test), 1)
    return {"test_loss": float(total_loss) / n, "test_acc": float(correct) / n}


def fit(spec: ArchSpec, cfg: TrainConfig, callbacks: Callbacks, *,
        should_stop: Callable[[], bool] = lambda: False, start_epoch: int = 0,
        resume_state: dict[str, Any] | None = None, prepared: Prepared | None = None) -> dict[str, float]:
    """Train epochs start_epoch+1 .. cfg.epochs; returns the last epoch's metrics."""
    p = prepared or prepare_run(spec, cfg)
    cuda = p.device.startswith("cuda")
    if cuda:
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(cfg.seed + start_epoch)
    gen = torch.Generator().manual_seed(cfg.seed + 1000 * start_epoch)
    model = build_model(p.spec, seed=cfg.seed).to(p.device)
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    opt = make_optimizer(cfg, model.parameters())
    if resume_state is not None:
        model.load_state_dict(resume_state["model"])
        opt.load_state_dict(resume_state["optimizer"])
    step_fn = torch.compile(model) if cfg.compile else model
    steps_per_epoch = math.ceil(len(p.train) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    aug = D.Augment(cfg.flip, cfg.crop, cfg.jitter)
    callbacks.on_start({"device": p.device, "steps_per_epoch": steps_per_epoch, "total_steps": total,
                        "train_size": len(p.train), "test_size": len(p.test), "spec": p.spec.to_dict(),
                        "trained_with": trained_with(p, cfg)})
    shoot = S.Shooter(p.test, cfg.input_size, mean=p.mean, std=p.std, channels=p.spec.in_channels,
                      layer=cfg.snapshot_layer)
    last: dict[str, float] = {}
    step = start_epoch * steps_per_epoch
    try:
        callbacks.on_snapshot(start_epoch, shoot(model, start_epoch))  # epoch 0 (or the resumed one): before a step
        for epoch in range(start_epoch + 1, cfg.epochs + 1):
            model.train()
            run_loss = torch.zeros((), device=p.device)
            run_correct = torch.zeros((), device=p.device, dtype=torch.long)
            win_loss, win_correct, win_n, seen = 0.0, 0, 0, 0
            for i, idx in enumerate(D.batch_order(len(p.train), cfg.batch_size, shuffle=True, generator=gen,
                                                  device=p.device)):
                for g in opt.param_groups:
                    g["lr"] = cfg.lr * lr_factor(cfg, step, total)
                x = D.prepare(p.train.images[idx], cfg.input_size, mean=p.mean, std=p.std, aug=aug,
                              channels=p.spec.in_channels, generator=gen, channels_last=cuda)
                y = p.train.labels[idx]
                with torch.autocast("cuda", torch.bfloat16, enabled=cuda and cfg.amp):
                    out = step_fn(x)
                loss = _loss(p.spec, out, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                batch_loss = loss.detach() * len(idx)
                batch_correct = (out.detach().argmax(1) == y).sum()
                run_loss += batch_loss
                run_correct += batch_correct
                seen += len(idx)
                if (i + 1) % cfg.log_every == 0 or i + 1 == steps_per_epoch:
                    lv, cv = float(run_loss), int(run_correct)  # one sync per logged point
                    if not math.isfinite(lv):
                        raise TrainingFailed(f"loss became NaN/inf at epoch {epoch}, step {i + 1}: "
                                             f"the learning rate ({cfg.lr}) is probably too high")
                    n_new = seen - win_n
                    callbacks.on_step(epoch, step, {"loss": (lv - win_loss) / max(n_new, 1),
                                                    "acc": (cv - win_correct) / max(n_new, 1)}, step / total)
                    win_loss, win_correct, win_n = lv, cv, seen
                if should_stop():
                    raise Cancelled("cancelled")
            metrics = {"train_loss": float(run_loss) / seen, "train_acc": float(run_correct) / seen,
                       **evaluate(model, p, cfg), "lr": opt.param_groups[0]["lr"]}
            callbacks.on_snapshot(epoch, shoot(model, epoch))
            callbacks.on_epoch(epoch, metrics, model, opt)
            last = metrics
    except torch.OutOfMemoryError:
        raise TrainingFailed(f"out of memory on {p.device} at batch size {cfg.batch_size} and "
                             f"input {cfg.input_size} px: lower either") from None
    return last


class PrintCallbacks:
    """Used by quick scripts: collects epoch metrics, prints nothing."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []
        self.steps: list[dict[str, float]] = []
        self.snapshots: dict[int, bytes | None] = {}
        self.started = time.monotonic()

    def on_start(self, info: dict[str, Any]) -> None:
        self.info = info

    def on_step(self, epoch: int, step: int, metrics: dict[str, float], progress: float) -> None:
        self.steps.append({"epoch": epoch, "step": step, **metrics})

    def on_snapshot(self, epoch: int, data: bytes | None) -> None:
        self.snapshots[epoch] = data

    def on_epoch(self, epoch: int, metrics: dict[str, float], model: nn.Module,
                 optimizer: torch.optim.Optimizer) -> None:
        self.epochs.append({"epoch": epoch, "time": time.monotonic() - self.started, **metrics})
