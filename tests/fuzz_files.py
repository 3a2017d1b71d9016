"""Hostile files, made in memory: checkpoints (torch.save'd dicts, damaged zips, pickles that call a
function) and ONNX files (a one-node graph whose metadata records any spec and size)."""

from __future__ import annotations

import io
import json
import pickle
import random
import zipfile
from functools import cache
from typing import Any

import torch

from tests.fuzz_corpus import HOSTILE_STRINGS, HOSTILE_VALUES, TINY, mutate, spec_dict, spec_text, tiny_state

CALLED: list[str] = []  # what a pickle's GLOBAL managed to run: must stay empty


def pwned(*args: Any) -> str:
    """What a malicious pickle calls; weights_only=True must never let it run."""
    CALLED.append(repr(args)[:80])
    return "pwned"


def _saved(obj: Any) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


class _Evil:
    def __reduce__(self) -> tuple:
        return pwned, ("reduce",)


def _global_pickle(rng: random.Random) -> tuple[str, bytes]:
    """A pickle whose GLOBAL opcode names a function, bare or inside torch's zip format."""
    raw = pickle.dumps({"format": 1, "state_dict": _Evil()}, protocol=rng.choice([0, 2, 4]))
    if rng.random() < 0.5:
        return "GLOBAL pickle (bare)", raw
    buf = io.BytesIO(_saved({"format": 1}))
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for item in src.infolist():
            data = raw if item.filename.endswith("data.pkl") else src.read(item)
            dst.writestr(item.filename, data)
    return "GLOBAL pickle (in torch's zip)", out.getvalue()


def _state(rng: random.Random) -> tuple[str, Any]:
    state = dict(tiny_state())
    key = rng.choice(list(state))
    roll = rng.random()
    if roll < 0.4:
        return "tiny state_dict", state
    if roll < 0.55:
        return "non-tensor value", {**state, key: rng.choice(HOSTILE_VALUES + [torch.nn.Parameter(torch.zeros(1))])}
    if roll < 0.7:
        return "wrong shape", {**state, key: torch.zeros(rng.randint(1, 9), 2)}
    if roll < 0.8:  # stride 0: a huge shape over one stored element
        return "huge broadcast tensor", {**state, key: torch.zeros(1).expand(10**9)}
    if roll < 0.9:
        return "extra tensor", {**state, "evil.weight": torch.zeros(3)}
    return "not a dict", rng.choice(HOSTILE_VALUES)


def _meta(rng: random.Random) -> dict[str, Any]:
    meta = {"input_size": 32, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
            "classes": [str(i) for i in range(10)], "dataset": "digits"}
    return mutate(meta, rng) if rng.random() < 0.6 else meta


def checkpoint_bytes(rng: random.Random) -> tuple[str, bytes]:
    """A model.pt as the Training page writes it, then with its spec, state, meta or bytes spoiled."""
    roll = rng.random()
    if roll < 0.12:
        return _global_pickle(rng)
    spec_label, spec = spec_dict(rng) if rng.random() < 0.5 else ("tiny spec", TINY)
    state_label, state = _state(rng)
    payload: Any = {"format": 1, "spec": spec, "state_dict": state, "meta": _meta(rng)}
    label = f"{spec_label}, {state_label}"
    if roll < 0.25:
        payload, label = mutate({k: v for k, v in payload.items() if k != "state_dict"}, rng), "mutated payload"
        if isinstance(payload, dict):
            payload = {**payload, "state_dict": state}
    data = _saved(payload)
    roll = rng.random()
    if roll < 0.12:
        return "truncated zip", data[: rng.randrange(len(data))]
    if roll < 0.2:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
        return "flipped bytes", bytes(flipped)
    if roll < 0.24:
        return "random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    return label, data


# ---------------------------------------------------------------- ONNX


@cache
def _identity_model() -> bytes:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 3, 32, 32])
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["logits"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


@cache
def _tiny_export() -> bytes:
    """The tiny spec exported at 32 px: a file whose weights and graph are real."""
    from alexnet_core.export.exporter import export
    from alexnet_core.spec.parse import spec_from_dict

    return export(spec_from_dict(TINY), (32, 32)).data


def _with_meta(data: bytes, meta: dict[str, str]) -> bytes:
    import onnx

    from alexnet_core.export.exporter import META_PREFIX

    model = onnx.load_from_string(data)
    del model.metadata_props[:]
    for k, v in meta.items():
        model.metadata_props.add(key=META_PREFIX + k, value=v)
    return model.SerializeToString()


def onnx_bytes(rng: random.Random) -> tuple[str, bytes]:
    """An ONNX file that records a spec and an input size in its metadata (as exports do)."""
    spec_label, text = spec_text(rng)
    size = rng.choice(["32x32", "1x1", "100000x100000", "8x32", "-1x5", "0x0", "x", "", "32",
                       *HOSTILE_STRINGS[:12]])
    meta = {"spec": text.decode(errors="replace"), "input_size": size}
    if rng.random() < 0.2:
        meta = {"spec": json.dumps(TINY), "input_size": size, "content_sha256": rng.choice(["", "0" * 64])}
        spec_label = "tiny spec"
    data = _with_meta(_tiny_export() if rng.random() < 0.5 else _identity_model(), meta)
    roll = rng.random()
    if roll < 0.1:
        return "truncated ONNX", data[: rng.randrange(len(data))]
    if roll < 0.2:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
        return "flipped bytes", bytes(flipped)
    if roll < 0.25:
        return "random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
    return f"metadata: {spec_label} at {size[:20]!r}", data
