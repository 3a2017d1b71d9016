"""A spec in a URL: ``v1.<urlsafe base64 of zlib-compressed compact JSON>``.

Short enough for a slide (torchvision's spec is ~230 characters), versioned so a
later format can still read old links, and strict: every failure is a SpecError
naming what is wrong, and nothing is decoded past a size cap (no zip bombs).
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from alexnet_core.spec.parse import spec_from_json
from alexnet_core.spec.types import LRN, ArchSpec, Classifier, Pool, SpecError, _plain

PREFIX = "v1."
MAX_ENCODED = 4000  # characters in the URL parameter
MAX_JSON = 64_000  # bytes after decompression
FIELD = "spec (URL)"


def _strip(data: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    """Only the fields that differ from the dataclass defaults (the parser fills the rest back in)."""
    return {k: v for k, v in data.items() if k not in default or default[k] != v}


def compact_dict(spec: ArchSpec) -> dict[str, Any]:
    data = _strip(spec.to_dict(), _plain(asdict(ArchSpec())))
    data["version"] = spec.to_dict()["version"]
    if "classifier" in data:
        data["classifier"] = _strip(data["classifier"], _plain(asdict(Classifier())))
    convs = []
    for c in data.get("convs", []):
        conv_default = {"stride": 1, "padding": 0, "groups": 1, "activation": "relu", "lrn": None,
                        "batchnorm": False, "pool": None, "dilation": 1}
        c = _strip(c, conv_default)
        if c.get("lrn"):
            c["lrn"] = _strip(c["lrn"], _plain(asdict(LRN())))
        if c.get("pool"):
            c["pool"] = _strip(c["pool"], _plain(asdict(Pool())))
        convs.append(c)
    data["convs"] = convs
    return data


@lru_cache(maxsize=512)  # specs are frozen and hashable; a rerun re-encodes the same spec
def encode(spec: ArchSpec) -> str:
    text = json.dumps(compact_dict(spec), separators=(",", ":"), sort_keys=True)
    packed = zlib.compress(text.encode(), 9)
    return PREFIX + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode(token: str) -> ArchSpec:
    """The spec a token stands for; SpecError (naming the field) for anything else."""
    if not isinstance(token, str) or not token:
        raise SpecError(FIELD, "empty")
    if len(token) > MAX_ENCODED:
        raise SpecError(FIELD, f"longer than {MAX_ENCODED} characters")
    if not token.startswith(PREFIX):
        version = token.split(".", 1)[0] if "." in token else "?"
        raise SpecError(FIELD, f"unknown encoding version {version!r}; this app reads {PREFIX[:-1]}")
    body = token[len(PREFIX):]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise SpecError(FIELD, "not valid base64") from None
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON + 1)
    except zlib.error:
        raise SpecError(FIELD, "damaged (zlib could not unpack it)") from None
    if len(raw) > MAX_JSON or inflater.unconsumed_tail:
        raise SpecError(FIELD, f"unpacks to more than {MAX_JSON} bytes")
    return spec_from_json(raw, FIELD)
