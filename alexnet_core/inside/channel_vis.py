"""What a channel wants: an input that maximises one channel's mean activation.

Gradient ascent on the input pixels (the method of Lucid and OpenAI Microscope, after Erhan et al.
2009, Mordvintsev et al. 2015, Yosinski et al. 2015): each step shifts the image by a random
jitter, runs the network only as far as the chosen layer, and climbs the gradient of that
channel's mean with Adam; a light Gaussian blur every few steps keeps the high frequencies
from taking over, and every normalised pixel is kept within ``±PIXEL_BOUND``. The last quarter
of the steps runs without jitter or blur, so the picture fits the exact grid the layer samples.
Adam and the blur are scale-free, so one default fits random, checkpoint and pretrained weights.

The model is shared between sessions: nothing here mutates it (no hooks, no parameter
gradients; ``torch.autograd.grad`` asks for the input's gradient alone). Pure torch: a caller
that wants a progress bar passes ``progress``, called after every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from alexnet_core.arch.build import AlexNet
from alexnet_core.inside.activations import labelled_modules

PIXEL_BOUND = 3.0  # normalised units: ImageNet's mean ± 3 std already covers every real pixel
LIMITS = {"steps": (1, 1024), "jitter": (0, 32), "blur_every": (0, 64), "lr": (1e-4, 1.0), "seed": (0, 2**31 - 1)}


class VisError(ValueError):
    """Settings or a layer/channel that cannot be visualised; str() is one sentence."""


@dataclass(frozen=True)
class Settings:
    steps: int = 256  # a few hundred: the mean has levelled off well before on AlexNet's layers
    lr: float = 0.05  # Adam's step in normalised units: ±3 is crossed in ~60 steps at most
    jitter: int = 4  # random shift (px) each step, so the image cannot exploit one pixel alignment
    blur_every: int = 4  # a 3×3 Gaussian blur every this many steps (0: never)
    blur_sigma: float = 0.5
    polish: float = 0.25  # the last quarter runs without jitter or blur: the picture settles on
    # the exact pixel grid the layer's strides sample (random filters care most: 9x more, measured)
    seed: int = 0  # the starting noise and the jitter: the same settings give the same picture

    def problem(self) -> str | None:
        for name, (lo, hi) in LIMITS.items():
            v = getattr(self, name)
            if not lo <= v <= hi:
                return f"{name.replace('_', ' ')} must be between {lo:g} and {hi:g}, not {v:g}"
        if not 0.0 <= self.polish <= 1.0:
            return f"polish must be between 0 and 1, not {self.polish:g}"
        if not 0.1 <= self.blur_sigma <= 2.0:
            return f"blur sigma must be between 0.1 and 2, not {self.blur_sigma:g}"
        return None

    def key(self) -> tuple:
        return tuple(asdict(self).values())


@dataclass(frozen=True)
class Result:
    image: torch.Tensor  # (1, C, S, S), normalised, every value within ±PIXEL_BOUND
    history: tuple[float, ...]  # the channel's mean activation before each step (jittered input)
    final: float  # the channel's mean activation of ``image`` itself, un-jittered


def stages(model: AlexNet, label: str) -> list[torch.nn.Module]:
    """The modules from the input up to and including ``label``, in forward order: running
    them one after another gives that layer's output (features and the adaptive pool only)."""
    mods: list[torch.nn.Module] = []
    for name, m in labelled_modules(model):
        if name.startswith(("fc", "drop", "flatten")) or isinstance(m, torch.nn.Linear):
            break
        mods.append(m)
        if name == label:
            return mods
    raise VisError(f"{label} is not a spatial layer of this network; pick a convolutional stage's layer")


def run_to(mods: list[torch.nn.Module], x: torch.Tensor) -> torch.Tensor:
    for m in mods:
        x = m(x)
    return x  # (N, C, h, w)


def _objective(mods: list[torch.nn.Module], last_conv: int, x: torch.Tensor,
               channel: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(the channel's mean after its last convolution, its mean at the chosen layer). While a ReLU
    silences the channel everywhere the second has no gradient: the first is climbed instead
    until the channel wakes (ReLU and max-pool are monotone, so raising it raises the layer)."""
    pre = run_to(mods[: last_conv + 1], x)
    return pre[0, channel].mean(), run_to(mods[last_conv + 1:], pre)[0, channel].mean()


def channel_mean(model: AlexNet, label: str, channel: int, x: torch.Tensor) -> float:
    """Mean activation of one channel of ``label`` for the input ``x`` (1, C, S, S)."""
    with torch.inference_mode():
        return run_to(stages(model.eval(), label), x)[0, channel].float().mean().item()


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A 3×3 Gaussian per channel, edges replicated (the size is kept)."""
    k1 = torch.exp(-torch.tensor([-1.0, 0.0, 1.0]) ** 2 / (2 * sigma**2))
    k = (k1[:, None] * k1[None, :]) / k1.sum() ** 2
    c = x.shape[1]
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k.expand(c, 1, 3, 3).to(x), groups=c)


def visualise(model: AlexNet, label: str, channel: int, size: int, settings: Settings = Settings(),
              progress: Callable[[int, int, float], None] | None = None) -> Result:
    """Gradient ascent on a (1, C, size, size) input towards a high mean of one channel.
    ``progress(step, steps, mean)`` is called after each step; whatever it raises stops the run.
    Raises VisError (one sentence) for bad settings, a non-spatial layer or a channel out of range."""
    bad = settings.problem()
    if bad:
        raise VisError(bad)
    mods = stages(model, label)
    last_conv = max(i for i, m in enumerate(mods) if isinstance(m, torch.nn.Conv2d))
    n_ch = mods[last_conv].out_channels
    if not 0 <= channel < n_ch:
        raise VisError(f"{label} has channels 0–{n_ch - 1}; there is no channel {channel}")
    model.eval()  # idempotent, as capture() does; the weights are never touched
    gen = torch.Generator().manual_seed(settings.seed)
    x = (torch.randn(1, model.spec.in_channels, size, size, generator=gen) * 0.1).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=settings.lr)
    rough = settings.steps - round(settings.polish * settings.steps)  # steps with jitter and blur
    shifts = torch.randint(-settings.jitter, settings.jitter + 1, (settings.steps, 2), generator=gen)
    shifts[rough:] = 0
    history: list[float] = []
    for step, (dy, dx) in enumerate(shifts.tolist(), start=1):
        with torch.enable_grad():
            pre, act = _objective(mods, last_conv, torch.roll(x, (dy, dx), dims=(2, 3)), channel)
            (grad,) = torch.autograd.grad(-(act if act.item() > 0 else pre), x)
        history.append(act.item())
        x.grad = grad
        opt.step()
        with torch.no_grad():
            if settings.blur_every and step % settings.blur_every == 0 and step <= rough:
                x.copy_(gaussian_blur(x, settings.blur_sigma))
            x.clamp_(-PIXEL_BOUND, PIXEL_BOUND)
        if progress is not None:
            progress(step, settings.steps, history[-1])
    image = x.detach().clone()
    return Result(image, tuple(history), channel_mean(model, label, channel, image))


def shown(image: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """A normalised (1, C, S, S) image back to uint8 RGB (S, S, 3) for display: un-normalised with
    the statistics it was made under, clipped to [0, 1]; other channel counts as their grey mean."""
    x = image[0].detach().float()
    if len(mean) == x.shape[0]:
        x = x * torch.tensor(std).view(-1, 1, 1) + torch.tensor(mean).view(-1, 1, 1)
    else:  # grey statistics repeated over the channels, or RGB statistics averaged into grey
        x = x * (sum(std) / len(std)) + sum(mean) / len(mean)
    x = x.clamp(0, 1)
    rgb = x if x.shape[0] == 3 else x.mean(0, keepdim=True).expand(3, -1, -1)
    return (rgb.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
