"""Strict parsing and validation of specs coming from JSON, URLs and widgets.

Everything a user can hand us passes through ``spec_from_dict``: unknown keys,
wrong types, out-of-range numbers and inconsistent groups all raise a
``SpecError`` naming the field, so the caller can keep its current spec.
"""

from __future__ import annotations

import json
import math
import reprlib
from dataclasses import fields
from enum import StrEnum
from typing import Any

from alexnet_core.spec.types import (
    LRN,
    SPEC_VERSION,
    UNNAMED,
    Activation,
    ArchSpec,
    Classifier,
    ConvBlock,
    DropoutPosition,
    InitScheme,
    Pool,
    SpecError,
)

# Bounds that keep a hostile or mistyped spec from building something absurd.
LIMITS: dict[str, tuple[int, int]] = {
    "in_channels": (1, 64),
    "out_channels": (1, 4096),
    "kernel": (1, 31),
    "stride": (1, 16),
    "padding": (0, 32),
    "groups": (1, 512),
    "dilation": (1, 8),
    "convs": (1, 16),
    "hidden": (1, 16384),
    "hidden_layers": (0, 6),
    "num_classes": (1, 100_000),
    "feature_size": (1, 64),
    "lrn_size": (1, 15),
}
MAX_NAME = 80
MAX_JSON_BYTES = 64_000  # a preset-sized spec is ~1.5 kB; a spec file or URL larger than this is not a spec
MAX_JSON_DEPTH = 8  # a spec nests 4 deep (spec > convs > block > pool); Python's own limit raises RecursionError
MAX_INT_DIGITS = 12  # int("9" * 5000) is slow and every real field fits in 12 digits


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxstring, _SHOW.maxother, _SHOW.maxlist, _SHOW.maxdict = 2, 40, 40, 4, 4


def _show(value: Any) -> str:
    """A bad value as a message shows it: short, and safe for lists 5,000 deep or 5,000-digit numbers
    (a plain repr recurses into the one and refuses the other)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a {value.bit_length()}-bit number"
    try:
        return _SHOW.repr(value)
    except Exception:  # a repr that raises is still a bad value; name its type instead
        return f"a {type(value).__name__}"


def _nesting_depth(text: str) -> int:
    """The deepest [ / { nesting outside strings, counted before json.loads recurses into it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"a number with {len(digits)} digits")
    return int(digits)


def loads_bounded(text: str | bytes, field: str = "(file)") -> Any:
    """json.loads with the size, depth and integer-length limits checked first; SpecError otherwise."""
    if len(text) > MAX_JSON_BYTES:
        raise SpecError(field, f"larger than {MAX_JSON_BYTES:,} bytes")
    try:
        text = text.decode() if isinstance(text, bytes) else text
    except UnicodeDecodeError:
        raise SpecError(field, "not UTF-8 text") from None
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise SpecError(field, f"nested deeper than {MAX_JSON_DEPTH} levels; a spec is 4 deep")
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise SpecError(field, f"not valid JSON ({exc})") from None
    except ValueError as exc:  # from _bounded_int
        raise SpecError(field, f"holds {exc}; no field needs more than {MAX_INT_DIGITS}") from None


def _int(value: Any, path: str, limit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(path, f"must be a whole number, got {_show(value)}")
    lo, hi = LIMITS[limit]
    if not lo <= value <= hi:
        raise SpecError(path, f"must be between {lo} and {hi}, got {_show(value)}")
    return value


def _float(value: Any, path: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(path, f"must be a number, got {_show(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float is out of every range
        number = math.inf
    if not lo <= number <= hi:
        raise SpecError(path, f"must be between {lo} and {hi}, got {_show(value)}")
    return number


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(path, f"must be true or false, got {_show(value)}")
    return value


def _enum(enum: type[StrEnum], value: Any, path: str) -> Any:
    try:
        if not isinstance(value, str):  # enum's own error repr()s the value: a deep list recurses
            raise ValueError
        return enum(value)
    except ValueError:
        choices = ", ".join(e.value for e in enum)
        raise SpecError(path, f"must be one of {choices}; got {_show(value)}") from None


def _obj(value: Any, path: str, cls: type) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(path, f"must be an object, got {type(value).__name__}")
    allowed = {f.name for f in fields(cls)} | ({"version"} if cls is ArchSpec else set())
    if not all(isinstance(k, str) for k in value):
        raise SpecError(path or "(spec)", "field names must be text")
    unknown = sorted(set(value) - allowed)
    if unknown:
        name = unknown[0][:MAX_NAME]
        raise SpecError(f"{path}.{name}" if path else name, "unknown field")
    return value


def _lrn(value: Any, path: str) -> LRN | None:
    if value is None:
        return None
    d = _obj(value, path, LRN)
    base = LRN()
    return LRN(
        size=_int(d.get("size", base.size), f"{path}.size", "lrn_size"),
        alpha=_float(d.get("alpha", base.alpha), f"{path}.alpha", 0.0, 10.0),
        beta=_float(d.get("beta", base.beta), f"{path}.beta", 0.0, 10.0),
        k=_float(d.get("k", base.k), f"{path}.k", 0.0, 100.0),
    )


def _pool(value: Any, path: str) -> Pool | None:
    if value is None:
        return None
    d = _obj(value, path, Pool)
    base = Pool()
    pool = Pool(
        kernel=_int(d.get("kernel", base.kernel), f"{path}.kernel", "kernel"),
        stride=_int(d.get("stride", base.stride), f"{path}.stride", "stride"),
        padding=_int(d.get("padding", base.padding), f"{path}.padding", "padding"),
        ceil_mode=_bool(d.get("ceil_mode", base.ceil_mode), f"{path}.ceil_mode"),
    )
    if 2 * pool.padding > pool.kernel:
        raise SpecError(f"{path}.padding", f"a pool's padding must be at most half its kernel ({pool.kernel // 2})")
    return pool


def _conv(value: Any, path: str) -> ConvBlock:
    d = _obj(value, path, ConvBlock)
    if "out_channels" not in d or "kernel" not in d:
        raise SpecError(path, "needs out_channels and kernel")
    return ConvBlock(
        out_channels=_int(d["out_channels"], f"{path}.out_channels", "out_channels"),
        kernel=_int(d["kernel"], f"{path}.kernel", "kernel"),
        stride=_int(d.get("stride", 1), f"{path}.stride", "stride"),
        padding=_int(d.get("padding", 0), f"{path}.padding", "padding"),
        groups=_int(d.get("groups", 1), f"{path}.groups", "groups"),
        activation=_enum(Activation, d.get("activation", "relu"), f"{path}.activation"),
        lrn=_lrn(d.get("lrn"), f"{path}.lrn"),
        batchnorm=_bool(d.get("batchnorm", False), f"{path}.batchnorm"),
        pool=_pool(d.get("pool"), f"{path}.pool"),
        dilation=_int(d.get("dilation", 1), f"{path}.dilation", "dilation"),
    )


def _classifier(value: Any, path: str) -> Classifier:
    d = _obj(value, path, Classifier)
    base = Classifier()
    hidden = d.get("hidden", list(base.hidden))
    if not isinstance(hidden, (list, tuple)):
        raise SpecError(f"{path}.hidden", "must be a list of widths")
    lo, hi = LIMITS["hidden_layers"]
    if not lo <= len(hidden) <= hi:
        raise SpecError(f"{path}.hidden", f"must have {lo} to {hi} layers, got {len(hidden)}")
    return Classifier(
        hidden=tuple(_int(h, f"{path}.hidden[{i}]", "hidden") for i, h in enumerate(hidden)),
        dropout=_float(d.get("dropout", base.dropout), f"{path}.dropout", 0.0, 0.99),
        dropout_position=_enum(DropoutPosition, d.get("dropout_position", "before"), f"{path}.dropout_position"),
        activation=_enum(Activation, d.get("activation", "relu"), f"{path}.activation"),
    )


def spec_from_dict(data: Any) -> ArchSpec:
    """Parse and validate; raise SpecError naming the first bad field."""
    d = _obj(data, "", ArchSpec)
    version = d.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        raise SpecError("version", f"this app reads spec version {SPEC_VERSION}, got {_show(version)}")
    name = d.get("name", UNNAMED)
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise SpecError("name", f"must be text of at most {MAX_NAME} characters")
    convs = d.get("convs")
    if not isinstance(convs, (list, tuple)):
        raise SpecError("convs", "must be a list of conv blocks")
    lo, hi = LIMITS["convs"]
    if not lo <= len(convs) <= hi:
        raise SpecError("convs", f"must have {lo} to {hi} blocks, got {len(convs)}")
    fs = d.get("feature_size", [6, 6])
    if not isinstance(fs, (list, tuple)) or len(fs) != 2:
        raise SpecError("feature_size", "must be [height, width]")
    spec = ArchSpec(
        name=name,
        in_channels=_int(d.get("in_channels", 3), "in_channels", "in_channels"),
        convs=tuple(_conv(c, f"convs[{i}]") for i, c in enumerate(convs)),
        feature_size=(_int(fs[0], "feature_size[0]", "feature_size"), _int(fs[1], "feature_size[1]", "feature_size")),
        adaptive_pool=_bool(d.get("adaptive_pool", True), "adaptive_pool"),
        classifier=_classifier(d.get("classifier", {}), "classifier"),
        num_classes=_int(d.get("num_classes", 1000), "num_classes", "num_classes"),
        log_softmax=_bool(d.get("log_softmax", False), "log_softmax"),
        init=_enum(InitScheme, d.get("init", "torch_default"), "init"),
    )
    validate(spec)
    return spec


def spec_from_json(text: str | bytes, field: str = "(file)") -> ArchSpec:
    """A spec from JSON text a user gave (file, upload, cache key); SpecError naming the field otherwise."""
    return spec_from_dict(loads_bounded(text, field))


def validate(spec: ArchSpec) -> ArchSpec:
    """Consistency checks that single fields cannot express (groups, pools)."""
    in_ch = spec.in_channels
    for i, conv in enumerate(spec.convs):
        path = f"convs[{i}]"
        if in_ch % conv.groups or conv.out_channels % conv.groups:
            raise SpecError(
                f"{path}.groups",
                f"conv{i + 1} has {in_ch} input and {conv.out_channels} output channels; "
                f"groups={conv.groups} must divide both",
            )
        if conv.pool is not None and 2 * conv.pool.padding > conv.pool.kernel:
            raise SpecError(f"{path}.pool.padding", "a pool's padding must be at most half its kernel")
        in_ch = conv.out_channels
    return spec


def with_io(spec: ArchSpec, *, in_channels: int | None = None, num_classes: int | None = None) -> ArchSpec:
    """The spec with the sidebar's input channels and classes, validated like any other field."""
    changes: dict[str, Any] = {}
    if in_channels is not None and in_channels != spec.in_channels:
        changes["in_channels"] = _int(in_channels, "in_channels", "in_channels")
    if num_classes is not None and num_classes != spec.num_classes:
        changes["num_classes"] = _int(num_classes, "num_classes", "num_classes")
    return validate(spec.with_(**changes)) if changes else spec
