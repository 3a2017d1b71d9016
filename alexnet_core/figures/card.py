"""A model card: one self-contained HTML file with the shape table, the totals and the shape-flow plot.

plotly's JavaScript is inlined (``include_plotlyjs=True``, about 4.7 MB), so the file opens offline in any
browser and on any lecture-hall laptop. The numbers are the arithmetic table's (``analytic_summary``,
tested equal to torchinfo's), the plot is the Layer Lab's ``flow_figure``, the columns are
``table_format.COLUMNS``: nothing here computes a fact of its own.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.codegen import safe_name
from alexnet_core.arch.table import Summary, analytic_summary
from alexnet_core.figures import style
from alexnet_core.figures.lab import flow_figure
from alexnet_core.format import fmt_bytes, fmt_shape
from alexnet_core.spec.types import ArchSpec

PLOT_ID = "shape-flow"

_CSS = f"""
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: {style.TEXT}; padding: 0 1rem; }}
h1 {{ margin-bottom: 0.2rem; }} .sub {{ color: {style.INK}; margin-top: 0; }}
.totals {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.6rem 1.5rem; margin: 1.2rem 0; }}
.totals div {{ border-left: 4px solid {style.BLUE}; padding-left: 0.6rem; }}
.totals b {{ display: block; font-size: 1.3rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92rem; }}
th, td {{ padding: 0.25rem 0.6rem; border-bottom: 1px solid {style.RULE}; text-align: left; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.total td {{ font-weight: bold; border-top: 2px solid {style.TEXT_SOFT}; }}
pre {{ background: {style.PANEL}; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }}
footer {{ color: {style.INK}; font-size: 0.8rem; margin-top: 2rem; }}
"""


def card_filename(spec: ArchSpec, height: int, width: int | None = None) -> str:
    width = height if width is None else width
    return f"alexnet_{safe_name(spec)}_{height}x{width}_card.html"


def totals(s: Summary) -> list[tuple[str, str]]:
    """(label, value) pairs of the card's header tiles, as the Architecture page words them."""
    return [
        ("Parameters", f"{s.total_params:,}"),
        ("Mult-adds per image", f"{s.mult_adds:,}"),
        ("Parameter memory (fp32)", fmt_bytes(s.param_bytes)),
        ("Classifier's share of parameters", f"{s.classifier_param_share:.1%}"),
        ("Convolutions' share of mult-adds", f"{s.conv_mult_add_share:.1%}"),
        ("Activation memory per image", fmt_bytes(s.activation_bytes)),
    ]


def table_html(s: Summary) -> str:
    """The shape table with its totals row (the same columns as the Markdown and LaTeX tables)."""
    head = "".join(f'<th class="{"num" if num else ""}">{html.escape(h)}</th>' for h, _, num in tf.COLUMNS)
    body = []
    cells = tf.cells(s)
    for i, row in enumerate(cells):
        tds = "".join(f'<td class="{"num" if num else ""}">{html.escape(tf.num(v))}</td>'
                      for v, (_, _, num) in zip(row, tf.COLUMNS, strict=True))
        body.append(f'<tr class="total">{tds}</tr>' if i == len(cells) - 1 else f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def model_card(spec: ArchSpec, summary: Summary, *, title: str | None = None) -> str:
    """The whole card as one HTML document (``summary`` is the spec's table at the card's input size)."""
    name = title or spec.name
    plot = flow_figure(summary).to_html(full_html=False, include_plotlyjs=True, div_id=PLOT_ID,
                                        config={"displaylogo": False, "responsive": True})
    tiles = "".join(f"<div>{html.escape(label)}<b>{html.escape(value)}</b></div>"
                    for label, value in totals(summary))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(name)}: model card</title><style>{_CSS}</style></head>
<body>
<h1>{html.escape(name)}</h1>
<p class="sub">input {fmt_shape(summary.input_shape[1:])} (channels × height × width), one image, float32</p>
<section class="totals">{tiles}</section>
<h2>Spatial side and channels through the network</h2>
{plot}
<h2>Layer by layer</h2>
{table_html(summary)}
<h2>The spec</h2>
<p>Load it in the Layer Lab (Spec file → upload), or run
<code>python -m alexnet_core summary --spec FILE</code>.</p>
<details><summary>spec JSON</summary><pre>{html.escape(spec.to_json())}</pre></details>
<footer>Made by AlexNet Explorer on {stamp}. Parameters and mult-adds follow torchinfo's conventions.</footer>
</body></html>
"""


def card_for(spec: ArchSpec, height: int, width: int | None = None) -> str:
    """The card at this input size; raises ShapeError when the spec cannot take it."""
    return model_card(spec, analytic_summary(spec, height, width))
