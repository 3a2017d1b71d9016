"""The ONNX graph as rows (op, key attributes, output shape) and as Graphviz DOT source."""

from __future__ import annotations

from dataclasses import dataclass

import onnx
from onnx import helper

KEY_ATTRS = ("kernel_shape", "strides", "pads", "group", "dilations", "ceil_mode", "size", "alpha", "beta",
             "bias", "epsilon", "axis")
_DEFAULTS = {"dilations": [1, 1], "ceil_mode": 0}  # shown only when they differ
_GEMM_DEFAULTS = {"alpha": 1.0, "beta": 1.0}
_SHORT = {"kernel_shape": "kernel", "strides": "stride", "dilations": "dilation"}
_COLOURS = {"Conv": "#cfe2ff", "Gemm": "#ffe5b4", "MaxPool": "#d1e7dd", "AveragePool": "#d1e7dd",
            "LRN": "#f8d7da", "BatchNormalization": "#f8d7da", "Relu": "#eeeeee", "Flatten": "#fff3cd"}


@dataclass(frozen=True)
class NodeRow:
    index: int
    name: str
    op: str
    attributes: str  # "kernel 11×11 · stride 4×4 · pads 2,2,2,2"
    weights: str  # shapes of the initializers it reads, e.g. "64×3×11×11, 64"
    output_shape: str  # "N×64×55×55"
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def node_rows(inferred: onnx.ModelProto) -> list[NodeRow]:
    """One row per node of a shape-inferred model (see export_checks.inferred_model)."""
    g = inferred.graph
    shapes = {vi.name: _shape(vi) for vi in [*g.input, *g.value_info, *g.output]}
    weight_names = {i.name for i in g.initializer} | _weight_inputs(g)
    rows = []
    for i, node in enumerate(g.node):
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute if a.name in KEY_ATTRS}
        defaults = {**_DEFAULTS, **(_GEMM_DEFAULTS if node.op_type == "Gemm" else {})}
        attrs = {k: v for k, v in attrs.items() if defaults.get(k, object()) != v}
        rows.append(NodeRow(
            index=i,
            name=node.name or f"{node.op_type}_{i}",
            op=node.op_type,
            attributes=" · ".join(_attr(k, v) for k, v in attrs.items()),
            weights=", ".join(shapes.get(n, "?") for n in node.input if n in weight_names),
            output_shape=", ".join(shapes.get(o, "?") for o in node.output),
            inputs=tuple(n for n in node.input if n and n not in weight_names),
            outputs=tuple(node.output),
        ))
    return rows


def _weight_inputs(g: onnx.GraphProto) -> set[str]:
    """In a weightless (inferred) copy the weights are graph inputs: every input but the first."""
    return {i.name for i in g.input[1:]}


def _shape(vi: onnx.ValueInfoProto) -> str:
    dims = vi.type.tensor_type.shape.dim
    return "×".join(str(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?") for d in dims)


def _attr(name: str, value: object) -> str:
    label = _SHORT.get(name, name)
    if isinstance(value, list):
        if name in ("kernel_shape", "strides", "dilations"):
            return f"{label} {'×'.join(str(v) for v in value)}"
        return f"{label} {','.join(str(v) for v in value)}"
    if isinstance(value, float):
        return f"{label} {value:g}"
    return f"{label} {value}"


def dot_source(rows: list[NodeRow], input_name: str = "input", input_shape: str = "",
               output_names: tuple[str, ...] = ("output",)) -> str:
    """Graphviz DOT: the input, one box per node (op, attributes, output shape), the outputs."""
    lines = ["digraph onnx {", '  rankdir=TB; nodesep=0.25; ranksep=0.25;',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, margin="0.08,0.03",'
             ' height=0.3];',
             f'  "in" [label="{_esc(input_name)}\\n{_esc(input_shape)}", shape=ellipse, fillcolor="#ffffff"];']
    producer = {input_name: "in"}
    for r in rows:
        if r.op == "Constant":
            continue  # slice bounds and the like: clutter in a picture, still listed in the table
        nid = f"n{r.index}"
        label = "\\n".join(_esc(p) for p in (r.op, r.attributes, r.output_shape) if p)
        lines.append(f'  {nid} [label="{label}", fillcolor="{_COLOURS.get(r.op, "#f5f5f5")}"];')
        for src in r.inputs:
            if src in producer:
                lines.append(f"  {producer[src]} -> {nid};")
        for out in r.outputs:
            producer[out] = nid
    for k, name in enumerate(output_names):
        if name in producer:
            lines.append(f'  "out{k}" [label="{_esc(name)}", shape=ellipse, fillcolor="#ffffff"];')
            lines.append(f'  {producer[name]} -> "out{k}";')
    lines.append("}")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def graph_dot(inferred: onnx.ModelProto) -> str:
    g = inferred.graph
    first = g.input[0]
    return dot_source(node_rows(inferred), first.name, _shape(first), tuple(o.name for o in g.output))
