"""The one ``Summary`` as text for a terminal, Markdown, LaTeX, CSV or JSON: the shape table out of the app.

Every format but ``text`` (the terminal layout, unchanged since the CLI's first day) shows the same
columns, defined once in ``COLUMNS``, and ends with a totals row, so a slide shows what the
Architecture page shows. No torch import: the Layer Lab formats its analytic table on each rerun.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from enum import StrEnum

from alexnet_core.arch.table import LayerRow, Summary
from alexnet_core.format import fmt_bytes, fmt_shape


class TableFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    LATEX = "latex"
    CSV = "csv"
    JSON = "json"


def ksp(row: LayerRow) -> str:
    """kernel/stride/padding of a windowed layer ("11/4/2"), empty for the others."""
    return f"{row.kernel}/{row.stride}/{row.padding}" if row.kernel is not None else ""


def groups(row: LayerRow) -> str:
    return str(row.groups) if row.groups is not None else ""


def output(row: LayerRow) -> str:
    """The output shape without the batch dimension: 64×55×55."""
    return fmt_shape(row.output_shape[1:])


# (header, cell, is a number) per column; numbers are right-aligned and written with thousands separators.
Column = tuple[str, Callable[[LayerRow], str | int], bool]
COLUMNS: list[Column] = [
    ("layer", lambda r: r.name, False),
    ("type", lambda r: r.type, False),
    ("kernel/stride/pad", ksp, False),
    ("groups", groups, False),
    ("output", output, False),
    ("params", lambda r: r.params, True),
    ("mult-adds", lambda r: r.mult_adds, True),
    ("receptive field", lambda r: r.receptive_field, True),
]


def caption(s: Summary) -> str:
    """One line naming the network and its totals, the same in every format."""
    return (f"{s.variant}, input {fmt_shape(s.input_shape[1:])}: {s.total_params:,} parameters "
            f"({fmt_bytes(s.param_bytes)} float32), {s.mult_adds:,} mult-adds per image")


def cells(s: Summary) -> list[list[str | int]]:
    rows = [[cell(r) for _, cell, _ in COLUMNS] for r in s.layers]
    total: list[str | int] = ["total"] + [""] * (len(COLUMNS) - 1)
    total[[h for h, _, _ in COLUMNS].index("params")] = s.total_params
    total[[h for h, _, _ in COLUMNS].index("mult-adds")] = s.mult_adds
    return rows + [total]


def num(v: str | int) -> str:
    return f"{v:,}" if isinstance(v, int) else v


def to_markdown(s: Summary) -> str:
    """A GitHub/pandoc pipe table under its caption; the last row holds the totals."""
    def esc(v: str | int) -> str:
        return num(v).replace("|", r"\|")

    lines = [f"**{esc(caption(s))}**", "",
             "| " + " | ".join(h for h, _, _ in COLUMNS) + " |",
             "|" + "|".join("---:" if num else ":---" for _, _, num in COLUMNS) + "|"]
    for row in cells(s):
        lines.append("| " + " | ".join(esc(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(text: str) -> str:
    """Plain text safe inside a LaTeX document (a spec's name is whatever a user typed)."""
    return "".join(_TEX.get(ch, ch) for ch in text).replace("×", r"$\times$")


def to_latex(s: Summary) -> str:
    """A booktabs tabular (``\\usepackage{booktabs}``) with the caption as a comment above it."""
    align = "".join("r" if num else "l" for _, _, num in COLUMNS)
    lines = [f"% {tex_escape(caption(s))}", "% needs \\usepackage{booktabs}",
             f"\\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(tex_escape(h) for h, _, _ in COLUMNS) + r" \\", r"\midrule"]
    rows = cells(s)
    for i, row in enumerate(rows):
        if i == len(rows) - 1:
            lines.append(r"\midrule")
        lines.append(" & ".join(tex_escape(num(v)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def to_csv(s: Summary) -> str:
    """One row per layer plus the totals row; plain integers, so a spreadsheet reads them as numbers."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([h for h, _, _ in COLUMNS])
    w.writerows(cells(s))
    return buf.getvalue()


def to_json(s: Summary) -> str:
    return json.dumps(s.to_json(), indent=2) + "\n"


def to_text(s: Summary) -> str:
    """The terminal layout of ``summary`` (full shapes with the batch, the shares at the end)."""
    header = f"{'layer':<10} {'type':<18} {'k/s/p':<9} {'output':<18} {'params':>12} {'mult-adds':>14} {'RF':>5}"
    lines = [f"{s.variant}  input {fmt_shape(s.input_shape)}", header, "-" * len(header)]
    for r in s.layers:
        lines.append(f"{r.name:<10} {r.type:<18} {ksp(r):<9} {fmt_shape(r.output_shape):<18} "
                     f"{r.params:>12,} {r.mult_adds:>14,} {r.receptive_field:>5}")
    lines += ["-" * len(header),
              f"parameters {s.total_params:,} ({s.trainable_params:,} trainable, {fmt_bytes(s.param_bytes)})",
              f"mult-adds  {s.mult_adds:,}",
              f"the classifier holds {s.classifier_param_share:.1%} of the parameters; "
              f"the convolutions do {s.conv_mult_add_share:.1%} of the mult-adds"]
    return "\n".join(lines) + "\n"


FORMATTERS: dict[TableFormat, Callable[[Summary], str]] = {
    TableFormat.TEXT: to_text, TableFormat.MARKDOWN: to_markdown, TableFormat.LATEX: to_latex,
    TableFormat.CSV: to_csv, TableFormat.JSON: to_json,
}


def render(s: Summary, fmt: TableFormat | str) -> str:
    """The table in ``fmt``; ValueError naming the choices for an unknown one."""
    try:
        return FORMATTERS[TableFormat(fmt)](s)
    except ValueError:
        raise ValueError(f"unknown table format {str(fmt)[:40]!r}; use one of: "
                         f"{', '.join(f.value for f in TableFormat)}") from None
