"""One-click training set-ups: the course's experiments, and CPU-sized versions of each.

The GPU versions are the course's own settings. The CPU versions keep the optimizer and the
learning rate (the lesson) and shrink what costs time: 64 px inputs, a width multiplier, a slice
of the training set; each finishes in about a minute on 2 cores.
"""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_core.training.loop import TrainConfig


@dataclass(frozen=True)
class TrainPreset:
    id: str
    title: str
    note: str  # what the run shows; what the course saw
    variant: str
    config: TrainConfig
    gpu: bool  # sized for a GPU (the CPU would take hours)


_CPU = dict(input_size=64, width=0.25, device="auto")
_FM_CPU = dict(_CPU, dataset="fashion_mnist", epochs=3, batch_size=128, train_limit=6000, test_limit=2000)

PRESETS: dict[str, TrainPreset] = {p.id: p for p in [
    TrainPreset("fmnist_adam_lr0.01", "FashionMNIST, Adam lr 0.01 (collapse)",
                "The course's warning: at lr 0.01 Adam collapses to about 10% test accuracy.",
                "fashion_mnist", TrainConfig(dataset="fashion_mnist", input_size=224, epochs=3, batch_size=128,
                                             optimizer="adam", lr=0.01), gpu=True),
    TrainPreset("fmnist_adam_lr0.001", "FashionMNIST, Adam lr 0.001, batch 128",
                "The course's fix: 0.862 -> 0.872 -> 0.886 test accuracy over three epochs (~10 min on its GPU).",
                "fashion_mnist", TrainConfig(dataset="fashion_mnist", input_size=224, epochs=3, batch_size=128,
                                             optimizer="adam", lr=0.001), gpu=True),
    TrainPreset("cifar10_sgd", "CIFAR-10, SGD lr 0.01 momentum 0.9",
                "The course's overfitting lesson: test accuracy peaks near 81.5% around epoch 14, then falls.",
                "torchvision", TrainConfig(dataset="cifar10", input_size=224, epochs=20, batch_size=128,
                                           optimizer="sgd", lr=0.01, momentum=0.9), gpu=True),
    TrainPreset("cpu_fmnist_adam_lr0.01", "CPU: FashionMNIST, Adam lr 0.01 (collapse)",
                "CPU-sized: 6,000 images at 64 px, width x0.25. Still collapses to ~10%.",
                "small_input", TrainConfig(**_FM_CPU, optimizer="adam", lr=0.01), gpu=False),
    TrainPreset("cpu_fmnist_adam_lr0.001", "CPU: FashionMNIST, Adam lr 0.001",
                "CPU-sized: 6,000 images at 64 px, width x0.25. Climbs well above chance.",
                "small_input", TrainConfig(**_FM_CPU, optimizer="adam", lr=0.001), gpu=False),
    TrainPreset("cpu_cifar10_sgd", "CPU: CIFAR-10, SGD lr 0.01 momentum 0.9",
                "CPU-sized: 5,000 images at 64 px, width x0.25, 4 epochs: the start of the course's curve.",
                "torchvision", TrainConfig(**dict(_CPU, dataset="cifar10", epochs=4, batch_size=128,
                                                  train_limit=5000, test_limit=2000),
                                           optimizer="sgd", lr=0.01, momentum=0.9), gpu=False),
    TrainPreset("cpu_digits_adam_lr0.01", "Offline: digits, Adam lr 0.01 (collapse)",
                "No download needed: scikit-learn's digits at 64 px. The same collapse, in seconds.",
                "torchvision", TrainConfig(**dict(_CPU, dataset="digits", epochs=4, batch_size=64),
                                           optimizer="adam", lr=0.01), gpu=False),
    TrainPreset("cpu_digits_adam_lr0.001", "Offline: digits, Adam lr 0.001",
                "No download needed: scikit-learn's digits at 64 px, width x0.25; well above chance in "
                "under a minute.",
                "torchvision", TrainConfig(**dict(_CPU, dataset="digits", epochs=6, batch_size=64),
                                           optimizer="adam", lr=0.001), gpu=False),
]}


def get(preset_id: str) -> TrainPreset:
    try:
        return PRESETS[preset_id]
    except KeyError:
        raise KeyError(f"no training preset {preset_id!r}; choose one of: {', '.join(PRESETS)}") from None
