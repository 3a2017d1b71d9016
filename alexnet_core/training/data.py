"""Datasets as uint8 tensors that live on the training device, and per-batch resize/augment there.

The course notes resized every image with PIL inside a DataLoader; here the whole dataset sits
on the device as uint8 (FashionMNIST is 47 MB, CIFAR-10 150 MB) and each batch is resized,
flipped, shifted and colour-jittered with one ``grid_sample`` on the device. The same code runs
on CPU tensors, which is how the tests exercise it.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from alexnet_core.paths import data_dir, inside

OFFLINE_DEFAULT = "digits"
TORCHVISION = {"fashion_mnist": "FashionMNIST", "mnist": "MNIST", "cifar10": "CIFAR10"}
DATASETS = [OFFLINE_DEFAULT, *TORCHVISION]  # plus "folder:<path inside the data folder>"
_IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte"]
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_FILES = [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"]
FOLDER_STORE_SIDE = 96  # ImageFolder images are stored at this square side: bounded memory
MAX_FOLDER_IMAGES = 50_000


class DatasetError(ValueError):
    """A dataset that cannot be loaded; one sentence saying what to do."""


@dataclass(frozen=True)
class TensorData:
    """Images (N, C, H, W) uint8 and labels (N,) int64, on one device."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    def to(self, device: str | torch.device) -> TensorData:
        return TensorData(self.name, self.images.to(device), self.labels.to(device), self.classes)

    def subset(self, limit: int | None) -> TensorData:
        """The first ``limit`` samples (datasets are stored shuffled or class-interleaved)."""
        if limit is None or limit >= len(self):
            return self
        return TensorData(self.name, self.images[:limit], self.labels[:limit], self.classes)


def describe_missing(name: str, root: Path | None = None) -> str:
    root = root or data_dir()
    if name in ("fashion_mnist", "mnist"):
        folder = root / TORCHVISION[name] / "raw"
        files = _IDX_FILES
    else:
        folder, files = root / _CIFAR_DIR, _CIFAR_FILES
    return (f"{name} is not in {folder} and downloading is off: turn on download (--download, or the page's Download box) when online, "
            f"or put these files there: {', '.join(files)}")


def check_name(name: str, root: Path | None = None) -> str:
    """Raise DatasetError / ValueError for a name no loader knows or a folder outside the data folder."""
    if name.startswith("folder:"):
        inside(root or data_dir(), name.removeprefix("folder:") or ".")
    elif name not in DATASETS:
        raise DatasetError(f"no dataset {name!r}; choose one of {', '.join(DATASETS)} or folder:<path>")
    return name


def load(name: str, *, train: bool, download: bool = False, root: Path | None = None) -> TensorData:
    """One split of a dataset, as uint8 CPU tensors. Never touches the network unless download."""
    root = root or data_dir()
    if name == OFFLINE_DEFAULT:
        return _digits(train)
    if name in ("fashion_mnist", "mnist"):
        return _idx(name, train, download, root)
    if name == "cifar10":
        return _cifar(train, download, root)
    if name.startswith("folder:"):
        return _folder(name.removeprefix("folder:"), train, root)
    raise DatasetError(f"no dataset {name!r}; choose one of {', '.join(DATASETS)} or folder:<path>")


def _digits(train: bool) -> TensorData:
    """scikit-learn's bundled 8x8 digits (1797 images, 0..16): no download, ever."""
    raw = _digits_array()
    images = torch.from_numpy(np.rint(raw[:, :64].reshape(-1, 1, 8, 8) * (255 / 16)).astype(np.uint8))
    labels = torch.from_numpy(raw[:, 64].astype(np.int64))
    # Deterministic split: every 5th image is test (the file interleaves writers and classes).
    test = torch.arange(len(labels)) % 5 == 0
    keep = ~test if train else test
    return TensorData(OFFLINE_DEFAULT, images[keep].contiguous(), labels[keep], tuple(map(str, range(10))))


@lru_cache(maxsize=1)
def _digits_array() -> np.ndarray:
    """Read sklearn's digits.csv.gz directly: importing sklearn itself costs seconds."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError("the offline digits dataset needs scikit-learn installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    return np.loadtxt(path, delimiter=",", dtype=np.float64)


def _idx(name: str, train: bool, download: bool, root: Path) -> TensorData:
    from torchvision import datasets

    cls = getattr(datasets, TORCHVISION[name])
    raw = root / TORCHVISION[name] / "raw"
    if not download and not all((raw / f).exists() for f in _IDX_FILES):
        raise DatasetError(describe_missing(name, root))
    try:
        ds = cls(str(root), train=train, download=download)
    except Exception as exc:  # network down, truncated file: one line, not a traceback
        raise DatasetError(f"could not load {name} from {raw}: {exc}") from None
    return TensorData(name, ds.data.unsqueeze(1).contiguous(), ds.targets.long(), tuple(ds.classes))


class _ArrayUnpickler(pickle.Unpickler):
    """CIFAR's batches are pickles: allow numpy arrays and plain containers, nothing else."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module: str, name: str):  # type: ignore[override]
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")


def _read_cifar_batch(path: Path) -> dict:
    try:
        return _ArrayUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
    except Exception as exc:
        raise DatasetError(f"{path.name} is not a CIFAR-10 batch file ({exc})") from None


def _cifar(train: bool, download: bool, root: Path) -> TensorData:
    folder = root / _CIFAR_DIR
    wanted = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    if download and not all((folder / f).exists() for f in wanted):
        from torchvision import datasets
        try:
            datasets.CIFAR10(str(root), train=train, download=True)
        except Exception as exc:
            raise DatasetError(f"could not download cifar10 into {root}: {exc}") from None
    if not all((folder / f).exists() for f in [*wanted, "batches.meta"]):
        raise DatasetError(describe_missing("cifar10", root))
    xs, ys = [], []
    for f in wanted:
        batch = _read_cifar_batch(folder / f)
        xs.append(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        ys.append(np.asarray(batch["labels"], dtype=np.int64))
    meta = _read_cifar_batch(folder / "batches.meta")
    classes = tuple(str(c) for c in meta.get("label_names", range(10)))
    return TensorData("cifar10", torch.from_numpy(np.concatenate(xs)), torch.from_numpy(np.concatenate(ys)),
                      classes)


def _folder(rel: str, train: bool, root: Path) -> TensorData:
    from PIL import Image
    from torchvision.datasets import ImageFolder

    path = inside(root, rel)  # raises ValueError for anything outside the data folder
    if not path.is_dir():
        raise DatasetError(f"no folder {path}; make one sub-folder per class inside {root}")
    try:
        ds = ImageFolder(str(path))
    except Exception as exc:
        raise DatasetError(f"{path} is not an image folder: {exc}") from None
    # Deterministic 80/20 split by position inside each class.
    picks = [(p, y) for i, (p, y) in enumerate(ds.samples[:MAX_FOLDER_IMAGES]) if (i % 5 != 0) == train]
    side = FOLDER_STORE_SIDE
    images = np.zeros((len(picks), 3, side, side), dtype=np.uint8)
    for i, (p, _) in enumerate(picks):
        with Image.open(p) as im:
            images[i] = np.asarray(im.convert("RGB").resize((side, side))).transpose(2, 0, 1)
    labels = torch.tensor([y for _, y in picks], dtype=torch.int64)
    return TensorData(f"folder:{rel}", torch.from_numpy(images), labels, tuple(ds.classes))


# ---------------------------------------------------------------- per-batch work on the device


@dataclass(frozen=True)
class Augment:
    flip: bool = False
    crop: float = 0.0  # max shift as a fraction of the side (0.125 = 4 px of 32, like pad-4 crop)
    jitter: float = 0.0  # brightness/contrast/saturation factors drawn from [1-j, 1+j]

    @property
    def any(self) -> bool:
        return self.flip or self.crop > 0 or self.jitter > 0


def channel_stats(data: TensorData) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std of the training images in [0, 1], shaped (1, C, 1, 1)."""
    x = data.images[: 10_000].float() / 255
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    std = x.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
    return mean, std


def prepare(images: torch.Tensor, size: int, *, mean: torch.Tensor, std: torch.Tensor,
            aug: Augment | None = None, channels: int | None = None,
            generator: torch.Generator | None = None, channels_last: bool = False) -> torch.Tensor:
    """uint8 (N, C, h, w) -> normalised float (N, C', size, size) on the same device.

    With augmentation, resize + flip + shift happen in a single ``grid_sample`` (one affine map
    per image); without, a plain bilinear ``interpolate``.
    """
    x = images.float().div_(255)  # (N, C, h, w)
    n = x.shape[0]
    if aug is not None and aug.any:
        theta = torch.zeros(n, 2, 3, device=x.device)
        theta[:, 0, 0] = 1.0
        theta[:, 1, 1] = 1.0
        if aug.flip:
            flips = torch.rand(n, generator=generator, device="cpu").to(x.device) < 0.5
            theta[:, 0, 0] = torch.where(flips, -1.0, 1.0)
        if aug.crop > 0:  # a shift of up to crop*side, in grid units (the side spans 2)
            shift = (torch.rand(n, 2, generator=generator, device="cpu") * 2 - 1) * (2 * aug.crop)
            theta[:, :, 2] = shift.to(x.device)
        grid = F.affine_grid(theta, [n, x.shape[1], size, size], align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        if aug.jitter > 0:
            x = _jitter(x, aug.jitter, generator)
    elif x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    x = (x - mean.to(x.device)) / std.to(x.device)
    if channels is not None and channels != x.shape[1]:
        x = _match_channels(x, channels)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def _jitter(x: torch.Tensor, j: float, generator: torch.Generator | None) -> torch.Tensor:
    n = x.shape[0]

    def factors() -> torch.Tensor:
        return (1 + (torch.rand(n, 1, 1, 1, generator=generator, device="cpu") * 2 - 1) * j).to(x.device)

    x = x * factors()  # brightness
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factors() + mean  # contrast
    if x.shape[1] == 3:
        grey = x.mean(dim=1, keepdim=True)
        x = (x - grey) * factors() + grey  # saturation
    return x.clamp_(0, 1)


def _match_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Grey -> RGB by repetition, RGB -> grey by the mean: lets any spec train on any dataset."""
    if x.shape[1] == 1:
        return x.expand(-1, channels, -1, -1)
    if channels == 1:
        return x.mean(dim=1, keepdim=True)
    raise DatasetError(f"the spec wants {channels} input channels but the images have {x.shape[1]}")


def batch_order(n: int, batch_size: int, *, shuffle: bool, generator: torch.Generator | None = None,
                device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """Index tensors for one epoch; the last, smaller batch is kept."""
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    return [idx.to(device) for idx in order.split(batch_size)]
