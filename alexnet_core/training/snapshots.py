"""Watch it learn: a small picture of the network at each epoch, kept with that epoch's metrics.

A snapshot holds conv1's weights and one layer's feature maps for a fixed probe image (the first
test image of the run's dataset): the top-k channels, downsampled as the Inside grid does. It is
encoded as an uncompressed float16 ``.npz`` (small, and decoding never allocates more than the
stored bytes) and travels as bytes: into the store's epoch commit, or over a Ray stream.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

import numpy as np
import torch

from alexnet_core.arch.build import AlexNet
from alexnet_core.arch.plan import layer_plan
from alexnet_core.guard.limits import MAX_SNAPSHOT_BYTES
from alexnet_core.inside import activations as A
from alexnet_core.spec.types import ArchSpec
from alexnet_core.training import data as D

DEFAULT_LAYER = "conv1"
TOP_MAPS = 16  # the Inside grid's default number of channels
MAP_SIDE = 48  # the Inside grid's tile side (ui/inside/views.MAP_SIDE; a test keeps them equal)
MAX_FILTERS = 256  # conv1 filters kept: a 4x-wide AlexNet has 384, and nobody reads more on a slide


class SnapshotError(ValueError):
    """A stored snapshot that cannot be read; str() is one sentence."""


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    layer: str
    filters: np.ndarray  # conv1's weights (O, I, k, k), float16
    maps: np.ndarray  # the top channels' maps (n, h, w) after downsampling, float16
    channels: tuple[int, ...]  # which channel each map is, most active first
    map_shape: tuple[int, ...]  # the layer's full output (C, H, W) before choosing and downsampling


def layer_choices(spec: ArchSpec) -> list[str]:
    """The layers with feature maps a snapshot can keep, in forward order (conv1 first)."""
    return [step.label for step in layer_plan(spec) if step.section in ("features", "avgpool")]


def probe(p_test: D.TensorData, size: int, *, mean: torch.Tensor, std: torch.Tensor,
          channels: int) -> torch.Tensor:
    """The run's probe: its test split's first image, prepared as evaluation prepares it (1, C, s, s)."""
    if len(p_test) == 0:
        raise ValueError("the test split is empty: there is no probe image for the snapshots")
    return D.prepare(p_test.images[:1], size, mean=mean, std=std, channels=channels)


def take(model: AlexNet, x: torch.Tensor, epoch: int, layer: str = DEFAULT_LAYER, k: int = TOP_MAPS) -> Snapshot:
    """The snapshot of ``model`` now: an eval forward pass of the probe, no gradients, no RNG used."""
    was_training = model.training
    cap = A.capture(model, x.to(next(model.parameters()).device))
    model.train(was_training)
    if layer not in cap.outputs:
        raise ValueError(f"snapshot layer {layer!r} is not a layer of this network; "
                         f"choose one of {', '.join(cap.spatial_labels())}")
    t = cap.outputs[layer].float()
    if t.dim() != 3:
        raise ValueError(f"snapshot layer {layer!r} has no feature maps (its output is {tuple(t.shape)})")
    chans = A.top_channels(t, k)
    maps = A.downsample(t[chans], MAP_SIDE).cpu().numpy()
    weight = model.features[0].weight.detach()[:MAX_FILTERS].float().cpu().numpy()
    return Snapshot(epoch, layer, weight.astype(np.float16), maps.astype(np.float16), tuple(chans),
                    tuple(t.shape))


class Shooter:
    """Takes and encodes one run's snapshots: its probe image made once, the layer fixed."""

    def __init__(self, test: D.TensorData, size: int, *, mean: torch.Tensor, std: torch.Tensor, channels: int,
                 layer: str = DEFAULT_LAYER) -> None:
        self.layer = layer
        self.x = probe(test, size, mean=mean, std=std, channels=channels) if layer else None

    def __call__(self, model: AlexNet, epoch: int) -> bytes | None:
        """The encoded snapshot after ``epoch`` epochs, or None when the run keeps none."""
        if self.x is None:
            return None
        return encode(take(model, self.x, epoch, self.layer))


def encode(s: Snapshot) -> bytes:
    """float16 arrays and a small JSON header in one uncompressed npz."""
    meta = {"epoch": s.epoch, "layer": s.layer, "channels": list(s.channels), "map_shape": list(s.map_shape)}
    buf = io.BytesIO()
    np.savez(buf, filters=s.filters.astype(np.float16), maps=s.maps.astype(np.float16),
             meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    return buf.getvalue()


def decode(data: bytes) -> Snapshot:
    """The snapshot stored as ``data``; SnapshotError if it is not one (or larger than any could be)."""
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise SnapshotError(f"a stored snapshot is {len(data):,} bytes, more than the {MAX_SNAPSHOT_BYTES:,} allowed")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # stored, not deflated: sizes are the bytes we hold
            if any(i.compress_type != zipfile.ZIP_STORED for i in z.infolist()):
                raise SnapshotError("a stored snapshot is compressed; snapshots are written uncompressed")
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            filters, maps = z["filters"], z["maps"]
            meta = json.loads(z["meta"].tobytes().decode())
        snap = Snapshot(int(meta["epoch"]), str(meta["layer"]), filters, maps,
                        tuple(int(c) for c in meta["channels"]), tuple(int(d) for d in meta["map_shape"]))
    except SnapshotError:
        raise
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise SnapshotError(f"a stored snapshot cannot be read ({type(exc).__name__})") from None
    if filters.ndim != 4 or maps.ndim != 3 or len(snap.channels) != maps.shape[0]:
        raise SnapshotError("a stored snapshot has arrays of the wrong shape")
    return snap
