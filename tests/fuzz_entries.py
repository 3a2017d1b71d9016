"""The entry functions the fuzz calls, one per way in, each the real code a page or command runs
first with what a user gave; and the inputs for the URL and the training settings (the CLI: tests/fuzz_cli.py).

Page code reads ``st.session_state`` and ``st.query_params``; here a fresh stand-in holds them for
each input (a new session on a deep link), so the real ui/ functions run without a server.
"""

from __future__ import annotations

import contextlib
import json
import random
import types
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from tests.fuzz_corpus import HOSTILE_STRINGS, HUGE, TINY, spec_dict

Make = Callable[[random.Random], tuple[str, Any]]
SIZES = [1, 2, 7, 16, 32, 64, 224, 227, 512, 2048]


class _QueryParams(dict):
    """Streamlit's query_params: values are strings; get() gives a repeated key's last value."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        v = dict.get(self, key, default)
        return v[-1] if isinstance(v, list) and v else (default if isinstance(v, list) else v)

    def get_all(self, key: str) -> list[str]:
        v = dict.get(self, key, [])
        return list(v) if isinstance(v, list) else [v]


@contextlib.contextmanager
def fresh_session(params: dict[str, Any]) -> Iterator[types.SimpleNamespace]:
    """A new session arriving on a link with these query parameters (no app.py run before)."""
    from ui import present, state
    from ui.compare import view as compare
    from ui.lab import controls, dials
    from ui.lab import view as lab
    from ui.tour import page as tour

    fake = types.SimpleNamespace(session_state={}, query_params=_QueryParams(params))
    mods = (state, present, compare, lab, controls, dials, tour)
    saved = [m.st for m in mods]
    for m in mods:
        m.st = fake
    try:
        yield fake
    finally:
        for m, s in zip(mods, saved, strict=True):
            m.st = s


# ---------------------------------------------------------------- URL


def url_params(rng: random.Random) -> tuple[str, dict[str, Any]]:
    from alexnet_core.spec import presets, url
    from alexnet_core.spec.parse import spec_from_dict

    params: dict[str, Any] = {}
    labels = []
    for key in rng.sample(["variant", "size", "in_ch", "classes", "spec", "step", "present", "cmp"], rng.randint(1, 5)):
        if key == "spec":
            roll = rng.random()
            base = url.encode(spec_from_dict(TINY if roll < 0.5 else HUGE))
            value = (base if roll < 0.3 else base[: rng.randrange(len(base))] if roll < 0.7
                     else "v1." + rng.choice(HOSTILE_STRINGS) if roll < 0.85 else _bomb_token(rng))
        elif key == "variant":
            value = rng.choice([*presets.ids(), *HOSTILE_STRINGS])
        elif key == "cmp":
            value = [rng.choice([*presets.ids(), "session", *HOSTILE_STRINGS]) for _ in range(rng.randint(0, 12))]
        else:
            value = rng.choice([*HOSTILE_STRINGS, str(rng.randint(-5, 5000)), str(rng.choice(SIZES))])
        params[key] = value if key == "cmp" or rng.random() < 0.9 else [value, rng.choice(HOSTILE_STRINGS)]
        labels.append(key)
    return "url " + ",".join(sorted(labels)), params


def _bomb_token(rng: random.Random) -> str:
    """A short token that inflates to megabytes (zlib's best ratio is about 1000:1)."""
    import base64
    import zlib

    body = zlib.compress(b'{"name": "' + b" " * rng.choice([70_000, 3_000_000]) + b'"}', 9)
    return "v1." + base64.urlsafe_b64encode(body).decode().rstrip("=")


def enter_url(params: dict[str, Any], work: Path) -> bool:
    """What every page does first on a deep link: state from the URL, then the budget for its spec."""
    from alexnet_core.arch import budget
    from ui import present, state
    from ui.compare import view as compare
    from ui.tour import page as tour

    with fresh_session(params) as st:
        state.ensure_state()
        present.is_on()
        tour.current()
        compare._cfg()
        spec, size = state.current_spec(), state.config().size
        refused = budget.problem(spec, size)  # ShapeError (a refusal) when the size does not fit
        return not (refused or "url_problem" in st.session_state or "tour_problem" in st.session_state)


# ---------------------------------------------------------------- spec upload


def enter_spec_upload(data: bytes, work: Path) -> bool:
    """The Layer Lab's upload callback, as Streamlit calls it after a file arrives."""
    from ui import state
    from ui.lab import view as lab

    upload = types.SimpleNamespace(getvalue=lambda: data, name="spec.json")
    with fresh_session({}) as st:
        state.ensure_state()
        st.session_state["lab_upload"] = upload
        lab._on_upload()
        return lab.UPLOAD_MSG not in st.session_state


# ---------------------------------------------------------------- the Layer Lab's dials


def dial_event(rng: random.Random) -> tuple[str, Any]:
    """What a browser may send as the dials' ``edit`` trigger: the real shape ({field: value, ...}) with any
    fields and values, or any JSON at all (a page's JavaScript can be changed by whoever holds the tab)."""
    from tests.fuzz_corpus import HOSTILE_VALUES

    fields = ["k", "s", "p", "out", "g", "act", "", "__class__", "k" * 100]
    pick = rng.random()
    if pick < 0.4:
        picked = rng.sample(fields, rng.randint(1, 3))
        return "fields and values", {f: rng.choice([*HOSTILE_VALUES, rng.randint(-40, 5000)]) for f in picked}
    if pick < 0.7:
        return "in range", {f: rng.randint(0, 40) for f in rng.sample(fields[:4], rng.randint(1, 4))}
    return "any JSON", rng.choice([*HOSTILE_VALUES, {"s": {"s": 2}}, {"s": [2]}, [{"s": 2}], {"f": "s", "v": 2},
                                   {str(i): 1 for i in range(9)}])


def enter_dial(event: Any, work: Path) -> bool:
    """The dials' callback (ui/lab/controls._on_dials) on conv1, with ``event`` as the trigger's value."""
    from streamlit.components.v2.bidi_component import serialization as ser

    from alexnet_core.spec import url
    from alexnet_core.spec.parse import spec_from_json
    from ui import runtime, state
    from ui.lab import controls, dials

    # On TINY: the fuzz's budget is shrunk to 64 MiB, which refuses any edit of a full-size AlexNet.
    with fresh_session({"spec": url.encode(spec_from_json(json.dumps(TINY)))}) as st:
        state.ensure_state()
        # As the server reads it: the trigger's JSON text through Streamlit's parser, guarded as the app runs it
        runtime.guard_component_json()
        payloads = ser.deserialize_trigger_list(json.dumps([{"event": dials.EVENT, "value": event}])) or []
        sent = next((p.get("value") for p in payloads if isinstance(p, dict) and p.get("event") == dials.EVENT), None)
        st.session_state[dials.key(0)] = {dials.EVENT: sent}
        controls._on_dials(0)
        return controls.MSG not in st.session_state


# ---------------------------------------------------------------- images


def image_and_size(make: Make) -> Make:
    def both(rng: random.Random) -> tuple[str, Any]:
        label, data = make(rng)
        size = rng.choice(SIZES)
        return f"{label} at {size} px", (data, size, rng.choice([1, 3]))
    return both


def enter_image(value: tuple[bytes, int, int], work: Path) -> bool:
    """The Inside page's upload (a camera frame is one too): decode, then preprocess to the size."""
    from alexnet_core.inside import images

    data, size, channels = value
    img = images.decode_upload(data, "upload.png")
    images.preprocess(img, size, channels)
    return True


# ---------------------------------------------------------------- checkpoints


def checkpoint_and_use(make: Make) -> Make:
    def both(rng: random.Random) -> tuple[str, Any]:
        label, data = make(rng)
        how = rng.choice(["runs folder", "upload"])
        return f"{label} ({how})", (data, how, rng.choice([None, 16, 32, 224, 2048]))
    return both


def enter_checkpoint(value: tuple[bytes, str, int | None], work: Path) -> bool:
    """One ``load`` every page and command uses: a file in the runs folder, or an uploaded state_dict."""
    from alexnet_core import paths
    from alexnet_core.spec.parse import spec_from_dict
    from alexnet_core.weights.source import Kind, WeightsSource, load

    data, how, size = value
    spec = spec_from_dict(TINY)
    if how == "upload":
        load(WeightsSource.upload(data, "weights.pt"), spec, size=size)
        return True
    path = paths.runs_dir() / "fuzz" / "model.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    load(WeightsSource(Kind.CHECKPOINT, checkpoint="fuzz/model.pt"), spec, size=size)
    return True


# ---------------------------------------------------------------- ONNX


def enter_onnx(data: bytes, work: Path) -> bool:
    """``verify`` on a user's file: every check, the PyTorch reference rebuilt from its metadata."""
    from alexnet_core.export.checks import check_bytes

    return check_bytes(data).passed


# ---------------------------------------------------------------- training settings

_HOSTILE_NUMBERS = [-1, 0, 1, 2, 7, 64, 1000, 10**6, 2**31, 2**63, -(2**63)]
_HOSTILE_FLOATS = [-1.0, -0.0, 0.0, 1e-12, 0.5, 0.999, 1.0, 1.5, 10.0, 1e308, float("nan"), float("inf"),
                   float("-inf")]


def _hostile_for(default: Any, rng: random.Random) -> Any:
    if isinstance(default, bool):
        return rng.random() < 0.5
    if isinstance(default, int):
        return rng.choice(_HOSTILE_NUMBERS)
    if isinstance(default, float) or default is None:
        return rng.choice(_HOSTILE_FLOATS + ([None] if default is None else []))
    return rng.choice([*HOSTILE_STRINGS, "digits", "folder:", "folder:../..", "sgd", "cosine", "conv1"])


def train_settings(rng: random.Random) -> tuple[str, Any]:
    """Settings as the Training page's widgets or the CLI's flags give them: each of its own type."""
    from alexnet_core.training.loop import TrainConfig

    base = TrainConfig(width=0.25, input_size=32)
    picked = rng.sample([f.name for f in fields(TrainConfig)], rng.randint(1, 4))
    changes = {name: _hostile_for(getattr(base, name), rng) for name in picked}
    spec_label, spec = spec_dict(rng) if rng.random() < 0.3 else ("tiny spec", TINY)
    return "settings " + ",".join(sorted(picked)) + f" ({spec_label})", (spec, replace(base, **changes))


def enter_training(value: tuple[Any, Any], work: Path) -> bool:
    """The checks the Training page's Start and ``train`` run, then the set-up accepted settings get:
    the optimizer, the schedule and one augmented, resized batch."""
    import math

    import torch

    from alexnet_core.spec.parse import spec_from_dict
    from alexnet_core.training import data as D
    from alexnet_core.training.loop import lr_factor, make_optimizer

    spec_value, cfg = value
    try:
        spec = spec_from_dict(spec_value)
        D.check_name(cfg.dataset)
        cfg = cfg.check(spec)
    except ValueError:  # check()'s documented refusal (a sentence naming the setting)
        return False
    make_optimizer(cfg, [torch.zeros(2, requires_grad=True)])
    factors = [lr_factor(cfg, s, 10) for s in range(11)]
    if not all(math.isfinite(f) for f in factors):
        raise RuntimeError(f"learning-rate factors {factors}")
    images = torch.zeros(1, spec.in_channels, 8, 8, dtype=torch.uint8)
    mean, std = torch.full((1, spec.in_channels, 1, 1), 0.5), torch.full((1, spec.in_channels, 1, 1), 0.25)
    x = D.prepare(images, cfg.input_size, mean=mean, std=std, aug=D.Augment(cfg.flip, cfg.crop, cfg.jitter),
                  generator=torch.Generator().manual_seed(0))
    if not torch.isfinite(x).all():
        raise RuntimeError(f"an augmented batch holds NaN/inf (crop {cfg.crop}, jitter {cfg.jitter})")
    return True

