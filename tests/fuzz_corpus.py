"""Hostile inputs, made here (nothing downloaded): a hand-made corpus per class of input, and mutations
of it drawn from a ``random.Random``, so a seed fixes every input a run tries.

Each ``*_input(rng)`` returns ``(label, value)``: the label names the hostile class, for the report.
"""

from __future__ import annotations

import copy
import io
import json
import random
import struct
import zlib
from functools import cache
from typing import Any

from PIL import Image

# A network small enough that every way in may build it: 3 -> 4 channels, one pool, 16 hidden, 10 classes.
TINY: dict[str, Any] = {"name": "tiny", "in_channels": 3, "num_classes": 10, "feature_size": [2, 2],
                        "convs": [{"out_channels": 4, "kernel": 3, "padding": 1,
                                   "pool": {"kernel": 2, "stride": 2}}],
                        "classifier": {"hidden": [16], "dropout": 0.5}}
# Every field at its largest: billions of parameters, refused by any budget.
HUGE: dict[str, Any] = {"convs": [{"out_channels": 4096, "kernel": 31, "padding": 15}] * 16,
                        "classifier": {"hidden": [16384] * 6}, "num_classes": 100_000, "in_channels": 64,
                        "feature_size": [64, 64]}

HOSTILE_VALUES: list[Any] = [
    -1, 0, 1, 2**31, 2**63, -(2**63), 10**12, 1e308, -1e308, float("nan"), float("inf"), 0.5, -0.0, True, False,
    None, "", "3", "x" * 5000, "\u0000", "²", [], [1] * 100, {}, {"a": {"b": {}}}, [[[]]],
]
HOSTILE_STRINGS = ["", " ", "-1", "0", "1", "²", "٣", "1e309", "nan", "inf", "-inf", "0x10", "1_000", "9" * 30,
                   "224x", "x224", "0x0", "65536x65536", "3.5", "true", "null", "None", "\u0000", "é" * 50,
                   "../../etc/passwd", "/dev/zero", "a" * 5000, "v1.", "%00", "[]", "{}"]


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside nested dicts and lists."""
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, prefix + (i,))
    return found


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = value.copy() if isinstance(value, (dict, list)) else value
    head = path[0]
    copy[head] = _set(copy[head], path[1:], new)
    return copy


def mutate(data: Any, rng: random.Random, rounds: int = 2) -> Any:
    """A copy with a few values replaced by hostile ones, keys dropped or added."""
    for _ in range(rng.randint(1, rounds)):
        path = rng.choice(_paths(data))
        roll = rng.random()
        if roll < 0.75 or not path:
            data = _set(data, path, copy.deepcopy(rng.choice(HOSTILE_VALUES + [HUGE, TINY])))  # never shared
        elif roll < 0.9:
            data = _set(data, path[:-1], _drop(_get(data, path[:-1]), path[-1]))
        else:
            data = _set(data, path[:-1], _add(_get(data, path[:-1]), rng))
    return data


def _get(value: Any, path: tuple) -> Any:
    for p in path:
        value = value[p]
    return value


def _drop(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        return {k: v for k, v in container.items() if k != key}
    return [v for i, v in enumerate(container) if i != key]


def _add(container: Any, rng: random.Random) -> Any:
    if isinstance(container, dict):
        return {**container, rng.choice(["extra", "__class__", "convs", "version"]): rng.choice(HOSTILE_VALUES)}
    return [*container, rng.choice(HOSTILE_VALUES)]


def spec_dict(rng: random.Random) -> tuple[str, Any]:
    """A spec as a Python value: the tiny or huge one, mutated or not, or not a spec at all."""
    roll = rng.random()
    if roll < 0.15:
        return "tiny spec", TINY
    if roll < 0.25:
        return "huge spec", HUGE
    if roll < 0.3:
        return "not an object", rng.choice(HOSTILE_VALUES)
    return "mutated spec", mutate(rng.choice([TINY, TINY, HUGE]), rng)


def spec_text(rng: random.Random) -> tuple[str, bytes]:
    """Spec JSON as a file or upload holds it: well-formed, damaged, or built to exhaust a parser."""
    roll = rng.random()
    n = rng.choice([10, 100, 1000, 100_000])
    if roll < 0.06:
        return "deep nesting", (b"[" * n + b"]" * n) if rng.random() < 0.5 else b'{"a":' * n + b"1" + b"}" * n
    if roll < 0.10:
        return "long integer", b'{"convs": [{"out_channels": ' + b"9" * n + b', "kernel": 3}]}'
    if roll < 0.13:
        return "over the size cap", b'{"name": "' + b" " * 70_000 + b'"}'
    if roll < 0.16:
        return "not UTF-8", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
    label, value = spec_dict(rng)
    text = json.dumps(value).encode()  # NaN and Infinity come out as JSON's non-standard literals
    if roll < 0.30 and text:
        return "truncated JSON", text[: rng.randrange(len(text))]
    if roll < 0.36:
        return "BOM and whitespace", b"\xef\xbb\xbf" + text + b" " * rng.randint(0, 10)
    return label, text


# ---------------------------------------------------------------- images


def _png(img: Image.Image, **params: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, **params)
    return buf.getvalue()


def _with_png_size(data: bytes, w: int, h: int, fix_crc: bool) -> bytes:
    """A PNG whose header claims w×h (a bomb by its header: the pixels are not there)."""
    ihdr = bytearray(data[8 + 8: 8 + 8 + 13])
    ihdr[0:8] = struct.pack(">II", w, h)
    crc = zlib.crc32(b"IHDR" + bytes(ihdr)) if fix_crc else struct.unpack(">I", data[29:33])[0]
    return data[:16] + bytes(ihdr) + struct.pack(">I", crc) + data[33:]


def _with_jpeg_size(data: bytes, w: int, h: int) -> bytes:
    i = data.find(b"\xff\xc0")
    if i < 0:
        return data
    return data[: i + 5] + struct.pack(">HH", h, w) + data[i + 9:]


def _sized(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.1:  # long and thin: a tiny file that a resize to the network's size blows up
        long = rng.choice([2_000, 20_000, 60_000])
        return (1, long) if rng.random() < 0.5 else (long, rng.randint(1, 3))
    return rng.randint(1, 96), rng.randint(1, 96)


def image_bytes(rng: random.Random) -> tuple[str, bytes]:
    """An upload (or a camera frame): PIL-made images in every mode and format, then damaged ones."""
    w, h = _sized(rng)
    mode = rng.choice(["RGB", "L", "LA", "RGBA", "P", "1", "I;16", "I", "F", "CMYK"])
    base = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
    img = base.convert("L").convert(mode) if mode in ("I;16", "I", "F") else base.convert(mode)
    fmt = rng.choice(["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF", "ICO"])
    roll = rng.random()
    try:
        if roll < 0.08:
            frames = [img.convert("RGB"), Image.new("RGB", (w, h), (255, 0, 0))]
            data = _png(frames[0], format=rng.choice(["PNG", "GIF", "WEBP"]), save_all=True,
                        append_images=frames[1:])
            label = "animated"
        else:
            data = _png(img, format=fmt)
            label = f"{mode} {fmt}"
    except (OSError, ValueError, KeyError, RuntimeError):  # a mode or size this format cannot hold: send it as PNG of RGB
        data, label = _png(img.convert("RGB"), format="PNG"), "RGB PNG"
    roll = rng.random()
    if roll < 0.12:
        big = rng.choice([(70_000, 70_000), (65_535, 1), (2**31 - 1, 2), (0, 10), (50_000, 2_000)])
        png = _png(Image.new("L", (4, 4)), format="PNG")
        return "bomb by header (PNG)", _with_png_size(png, *big, fix_crc=rng.random() < 0.8)
    if roll < 0.18:
        jpg = _png(Image.new("RGB", (8, 8)), format="JPEG")
        return "bomb by header (JPEG)", _with_jpeg_size(jpg, rng.choice([65_535, 30_000]), rng.choice([65_535, 2_000]))
    if roll < 0.30:
        return "truncated " + label, data[: rng.randrange(max(1, len(data)))]
    if roll < 0.36:
        return "wrong magic", bytes([data[0] ^ 0xFF]) + data[1:]
    if roll < 0.42:
        return "random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 500)))
    if roll < 0.52:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
        return "flipped bytes " + label, bytes(flipped)
    return label, data


@cache
def tiny_state() -> dict[str, Any]:
    """The tiny spec's real state_dict (about 40 kB)."""
    from alexnet_core.arch.build import build_model
    from alexnet_core.spec.parse import spec_from_dict

    return {k: v.clone() for k, v in build_model(spec_from_dict(TINY), seed=0).state_dict().items()}
