"""Spec -> one standalone PyTorch file: the network as code a student can read, run and keep.

The file needs torch alone. Its class keeps the app's layout (``features`` / ``avgpool`` /
``flatten`` / ``classifier``, built in the same order as ``build.AlexNet``), so its ``state_dict``
keys are the app's and torchvision's, and the same seed gives the same weights. Each layer carries
its table name and output shape from ``shapes.trace`` as a comment. Text only: no torch here.
"""

from __future__ import annotations

import math
import re

from alexnet_core.arch.plan import Kind, Step
from alexnet_core.arch.shapes import LayerShape, describe_range, trace, valid_range
from alexnet_core.arch.table import _type as layer_type
from alexnet_core.arch.table import count_params
from alexnet_core.spec.types import ArchSpec, InitScheme

CLASS_NAME = "AlexNet"
_ROW = " " * 12  # a layer's indent inside nn.Sequential(...)


def safe_name(spec: ArchSpec) -> str:
    """The spec's name with only [A-Za-z0-9_.-]: a name from a shared link never becomes code."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", spec.name)[:60] or "custom"


def code_filename(spec: ArchSpec) -> str:
    return f"alexnet_{safe_name(spec)}.py"


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value} into code")
    return repr(float(value))


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)


def _args(step: Step, spec: ArchSpec) -> list[str]:
    """The constructor's arguments, defaults left out, so each line reads like hand-written code."""
    match step.kind:
        case Kind.CONV:
            extra = {"stride": (step.stride, 1), "padding": (step.padding, 0),
                     "dilation": (step.dilation, 1), "groups": (step.groups, 1)}
            return [str(step.in_ch), str(step.out_ch), f"kernel_size={step.kernel}",
                    *(f"{k}={v}" for k, (v, default) in extra.items() if v != default)]
        case Kind.BATCHNORM:
            return [str(step.out_ch)]
        case Kind.LRN:
            lrn = spec.convs[step.block].lrn
            assert lrn is not None
            return [str(lrn.size), f"alpha={_num(lrn.alpha)}", f"beta={_num(lrn.beta)}", f"k={_num(lrn.k)}"]
        case Kind.POOL:
            args = [f"kernel_size={step.kernel}", f"stride={step.stride}"]
            args += [f"padding={step.padding}"] * (step.padding != 0) + ["ceil_mode=True"] * step.ceil_mode
            return args
        case Kind.ADAPTIVE:
            return [f"({spec.feature_size[0]}, {spec.feature_size[1]})"]
        case Kind.FLATTEN:
            return ["1"]
        case Kind.DROPOUT:
            return [f"p={_num(spec.classifier.dropout)}"]
        case Kind.LINEAR:
            return [str(step.in_ch), str(step.out_ch)]
        case Kind.LOGSOFTMAX:
            return ["dim=1"]
    return []  # activations take PyTorch's defaults, as build.activation_module does


def _layer(shape: LayerShape, spec: ArchSpec) -> str:
    step = shape.step
    return f"nn.{layer_type(step)}({', '.join(_args(step, spec))})  # {step.label}: {_dims(shape.out_shape)}"


def _sequential(name: str, rows: list[LayerShape], spec: ArchSpec) -> list[str]:
    lines = [f"        self.{name} = nn.Sequential("]
    for r in rows:
        code, comment = _layer(r, spec).split("  # ", 1)
        lines.append(f"{_ROW}{code},  # {comment}")
    return [*lines, "        )"]


_INIT = {
    InitScheme.KAIMING: [
        '        """Kaiming (He et al. 2015): kaiming_normal(fan_out, relu) convs, N(0, 0.01) linears, zero biases."""',
        "        for m in self.features:",
        "            if isinstance(m, nn.Conv2d):",
        '                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")',
        "                nn.init.zeros_(m.bias)",
        "        for m in self.classifier:",
        "            if isinstance(m, nn.Linear):",
        "                nn.init.normal_(m.weight, 0.0, 0.01)",
        "                nn.init.zeros_(m.bias)",
    ],
    InitScheme.PAPER: [
        '        """Krizhevsky et al. 2012, section 5: N(0, 0.01) weights; bias 1 in conv2, conv4, conv5 and the',
        '        hidden fully-connected layers (to give the ReLUs positive input), 0 elsewhere."""',
        "        convs = [m for m in self.features if isinstance(m, nn.Conv2d)]",
        "        linears = [m for m in self.classifier if isinstance(m, nn.Linear)]",
        "        for i, m in enumerate(convs):",
        "            nn.init.normal_(m.weight, 0.0, 0.01)",
        "            nn.init.constant_(m.bias, 1.0 if i in (1, 3, 4) else 0.0)",
        "        for i, m in enumerate(linears):",
        "            nn.init.normal_(m.weight, 0.0, 0.01)",
        "            nn.init.constant_(m.bias, 1.0 if i < len(linears) - 1 else 0.0)",
    ],
}


def _init_note(spec: ArchSpec) -> list[str]:
    if spec.init is InitScheme.TORCH_DEFAULT:
        first = "Weights start from PyTorch's default per-layer initialisation, as in the app"
    else:
        first = f"Weights start from the spec's {spec.init.value} initialisation (init_weights below), as in the app"
    return [f"{first}: torch.manual_seed(s)", "before building gives the same weights as the app's seed s."]


def _header(spec: ArchSpec, c: int, h: int, w: int) -> list[str]:
    name = safe_name(spec)
    valid = "" if spec.adaptive_pool else f" This network {describe_range(valid_range(spec))}."
    return [
        f'"""AlexNet {name!r} as plain PyTorch, written by AlexNet Explorer; it needs torch alone.',
        "",
        f"Input {c}×{h}×{w} -> {spec.num_classes} classes, {count_params(spec):,} parameters.{valid}",
        "The comments give each layer's name in the app's table and its output shape (channels×height×width)",
        f"for one {c}×{h}×{w} image. The state_dict keys are the app's (features.0.weight ...), so a",
        "checkpoint of the app loads with strict=True:",
        '    model.load_state_dict(torch.load("model.pt", weights_only=True)["state_dict"])',
        "and, for the torchvision layout, so do torchvision's alexnet weights.",
        *_init_note(spec),
        '"""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        f"class {CLASS_NAME}(nn.Module):",
        "    def __init__(self) -> None:",
        "        super().__init__()",
    ]


def generate_code(spec: ArchSpec, height: int, width: int | None = None) -> str:
    """The file's text; ShapeError when the spec cannot take a height×width input."""
    width = height if width is None else width
    rows = trace(spec, height, width)
    features = [r for r in rows if r.step.section == "features"]
    classifier = [r for r in rows if r.step.section == "classifier"]
    pooled = [r for r in rows if r.step.kind is Kind.ADAPTIVE]
    flat = next(r for r in rows if r.step.kind is Kind.FLATTEN)
    lines = _header(spec, spec.in_channels, height, width) + _sequential("features", features, spec)
    if pooled:
        lines.append(f"        self.avgpool = {_layer(pooled[0], spec)}")
    else:
        lines.append("        self.avgpool = nn.Identity()  # no adaptive pool: the input size must land on "
                     f"{_dims(spec.feature_size)}")
    lines.append(f"        self.flatten = {_layer(flat, spec)}")
    lines += _sequential("classifier", classifier, spec)
    if spec.init in _INIT:
        lines += ["        self.init_weights()", "", "    def init_weights(self) -> None:", *_INIT[spec.init]]
    feat = features[-1].out_shape if features else (spec.in_channels, height, width)
    lines += _forward(feat, pooled[0].out_shape if pooled else feat, flat.out_shape, classifier[-1].out_shape)
    lines += _main(spec.in_channels, height, width, classifier[-1].out_shape)
    return "\n".join(lines) + "\n"


def _nshape(shape: tuple[int, ...]) -> str:
    return "(N, " + ", ".join(str(d) for d in shape) + ")"


def _forward(feat: tuple[int, ...], pooled: tuple[int, ...], flat: tuple[int, ...], out: tuple[int, ...]) -> list[str]:
    return [
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        f"        x = self.features(x)  # {_nshape(feat)}",
        f"        x = self.avgpool(x)  # {_nshape(pooled)}",
        f"        x = self.flatten(x)  # {_nshape(flat)}",
        f"        return self.classifier(x)  # {_nshape(out)}",
    ]


def _main(c: int, h: int, w: int, out: tuple[int, ...]) -> list[str]:
    return [
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {CLASS_NAME}().eval()",
        "    with torch.no_grad():",
        f"        y = model(torch.randn(1, {c}, {h}, {w}))",
        f'    print("output shape:", tuple(y.shape))  # (1, {", ".join(str(d) for d in out)})',
    ]
