"""Inside page: what a channel wants, drawn next to that channel's map and its receptive field.

Made in the session's own script run (not queued behind training), with a progress bar; one at a
time per session; counted against the classroom budget (its input gradients are checked and held
in the server-wide ledger while it runs); kept in a server-wide cache bounded in bytes, keyed by
(model, layer, channel, size, settings). A rerun (another click) stops a run at its next progress update, a few steps on.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import streamlit as st

from alexnet_core.arch import budget
from alexnet_core.arch.build import AlexNet
from alexnet_core.figures import inside_scene
from alexnet_core.figures.scene import to_svg
from alexnet_core.guard import limits
from alexnet_core.guard.memory import ByteCache
from alexnet_core.inside import activations as A
from alexnet_core.inside import channel_vis as V
from alexnet_core.inside import images
from alexnet_core.spec.types import ArchSpec
from alexnet_core.weights.source import Kind, WeightsSource
from ui import charts
from ui.inside import cache


class Ctx(Protocol):
    """What the panel reads of the page's context (views.Ctx; views imports this module, not back)."""

    spec: ArchSpec
    source: WeightsSource
    size: int
    cap: A.Capture

    @property
    def model(self) -> AlexNet: ...


LOCK_KEY = "_inside_vis_lock"


@dataclass(frozen=True)
class Picture:
    result: V.Result
    shown: np.ndarray  # uint8 RGB, as the weights' normalisation un-does it
    png: bytes  # shown as PNG, encoded once


@st.cache_resource(show_spinner=False)
def pictures() -> ByteCache:
    """One per server, shared by every session; bounded in bytes (guard.limits)."""
    return ByteCache(limits.CHANNEL_VIS_CACHE_BYTES)


def _settings() -> V.Settings:
    d = V.Settings()
    with st.popover("Settings", icon=":material/tune:"):
        steps = st.number_input("Steps", *V.LIMITS["steps"], d.steps, step=32, key="inside_vis_steps")
        jitter = st.number_input("Jitter (px)", *V.LIMITS["jitter"], d.jitter, key="inside_vis_jitter",
                                 help="The image is shifted by up to this much at random each step.")
        blur = st.number_input("Blur every (steps, 0: never)", *V.LIMITS["blur_every"], d.blur_every,
                               key="inside_vis_blur")
        seed = st.number_input("Seed", *V.LIMITS["seed"], d.seed, key="inside_vis_seed")
    return V.Settings(steps=int(steps), jitter=int(jitter), blur_every=int(blur), seed=int(seed))


class _Miss(Exception):
    """Raised by ``_miss``: errors are never cached, so a lost race costs only a second look."""


def _miss() -> Picture:
    raise _Miss


def _session_lock() -> threading.Lock:
    if not isinstance(st.session_state.get(LOCK_KEY), type(threading.Lock())):
        st.session_state[LOCK_KEY] = threading.Lock()
    return st.session_state[LOCK_KEY]


def _make(ctx: Ctx, label: str, channel: int, settings: V.Settings) -> Picture | None:
    """The picture from the cache, or made now with a progress bar; None after one clear message."""
    loaded = cache.model(ctx.spec, ctx.source)  # a hit: the page loaded these weights already
    mean, std = cache.normalisation(loaded) or images.normalisation(ctx.spec.in_channels)
    key = ("vis", ctx.spec.to_json(indent=None), ctx.source.key, ctx.size, mean, std, label, channel, settings.key())
    store = pictures()
    if key in store:
        try:
            return store.get(key, _miss)
        except _Miss:  # dropped since that look: make it again
            pass
    lock = _session_lock()
    if not lock.acquire(blocking=False):
        st.warning("A picture is already being made for this session; wait for it to finish "
                   "(one at a time per person).", icon=":material/hourglass_top:")
        return None
    bar = st.progress(0.0, text="Starting the gradient ascent…")
    try:
        # the cost of input gradients, checked by the page's own helper: a refusal is shown and stops here
        estimate = cache._work(ctx.spec, ctx.size, budget.Work.GRADIENT)

        def progress(step: int, steps: int, value: float) -> None:
            if step % max(1, steps // 50) == 0 or step == steps:  # ~50 updates; each one lets a click stop it
                bar.progress(step / steps, text=f"Gradient ascent: step {step} of {steps}, channel mean {value:.3g}")

        def make() -> Picture:
            r = V.visualise(ctx.model, label, channel, ctx.size, settings, progress)
            shown = V.shown(r.image, mean, std)
            return Picture(r, shown, inside_scene.png(shown))

        return store.get(key, make, estimate)
    except (V.VisError, budget.BudgetError) as err:
        st.error(str(err), icon=":material/error:")
        return None
    finally:
        lock.release()
        bar.empty()


def panel(ctx: Ctx, label: str, channel: int, box: A.Box) -> None:
    """A toggle; when on, the picture that maximises this channel's mean, with the unit's box on it."""
    on = st.toggle("What this channel wants", key="inside_vis",
                   help="Gradient ascent on the input: the picture that raises this channel's mean the most.")
    settings = _settings()
    if not on:
        st.caption(f"Turn on to make, by {settings.steps} steps of gradient ascent on the input, a picture that "
                   "maximises this channel's mean activation (a few seconds on a CPU; stored for everyone).")
        return
    pic = _make(ctx, label, channel, settings)
    if pic is None:
        return
    r = pic.result
    title = f"what {label} channel {channel} wants"
    h, w = pic.shown.shape[:2]
    scene = inside_scene.rf_scene(pic.png, h, w, box, title)
    charts.inline(to_svg(scene))
    charts.download(lambda: scene, "This picture", name=f"{ctx.spec.name}_{label}_ch{channel}_wants",
                    key="inside_vis_file")
    here = A.channel_means(ctx.cap.outputs[label])[channel].item()
    times = f" ({r.final / here:.1f}× this image's {here:.3g})" if here > 0 else f" (this image: {here:.3g})"
    blur = f"a blur every {settings.blur_every} steps" if settings.blur_every else "no blur"
    st.caption(f"Mean activation {r.final:.3g}{times}, after {settings.steps} steps of gradient ascent with "
               f"jitter {settings.jitter} px and {blur}; every normalised pixel within ±{V.PIXEL_BOUND:g}. "
               "The box is the same unit's receptive field.")
    if ctx.source.kind == Kind.RANDOM:
        st.caption("Random weights want fine noise: their filters are noise too. With torchvision's ImageNet "
                   "weights or a trained checkpoint, early layers want edges and colours, later ones textures.")
