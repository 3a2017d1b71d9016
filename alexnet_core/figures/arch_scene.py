"""The Architecture page's two charts as Scenes: inline SVG on the page, PNG or SVG for slides.

The same data as the plotly builders in ``arch.py``, which take it from here (``weighted_layers``,
``shares``): where the parameters live (the classifier) versus where the compute goes (the convolutions).
Every bar's tooltip names its exact count; the axes and labels use short numbers (format.fmt_short: 37.8M).
"""

from __future__ import annotations

from dataclasses import dataclass

from alexnet_core.arch.table import LayerRow, Summary
from alexnet_core.figures import style
from alexnet_core.figures.flow_svg import nice_ticks
from alexnet_core.figures.scene import Item, Line, Rect, Scene, Text, text_width
from alexnet_core.format import fmt_short

PARAM_COLOUR = style.BLUE
MACS_COLOUR = style.ORANGE
CONV_COLOUR, REST_COLOUR = MACS_COLOUR, PARAM_COLOUR  # the share bars: compute-heavy convs, weight-heavy rest


@dataclass(frozen=True)
class Share:
    quantity: str  # "parameters" or "mult-adds"
    conv: int  # in the convolutions (for parameters: everything outside the classifier)
    rest: int  # in the classifier and the rest

    @property
    def total(self) -> int:
        return self.conv + self.rest

    @property
    def conv_share(self) -> float:
        return self.conv / self.total if self.total else 0.0


def weighted_layers(summary: Summary) -> list[LayerRow]:
    """The layers that hold weights or do arithmetic: one bar each."""
    return [r for r in summary.layers if r.params or r.mult_adds]


def shares(summary: Summary) -> tuple[Share, Share]:
    """Parameters split at the classifier, mult-adds at the convolutions (Summary's two shares)."""
    return (Share("parameters", summary.total_params - summary.classifier_params, summary.classifier_params),
            Share("mult-adds", summary.conv_mult_adds, summary.mult_adds - summary.conv_mult_adds))


def percent(share: float) -> str:
    return f"{share:.1%}"


# ---------------------------------------------------------------- share bars

SHARE_W, SHARE_H = 560, 142
S_LEFT, S_RIGHT = 92, 24  # room for the row names and their totals; the 100 % tick
S_BAR, S_ROW0, S_GAP = 30, 40, 20  # bar height, first bar's top, room between rows for a label that is pushed out


def _legend(x: float, y: float, entries: list[tuple[str, str]]) -> list[Item]:
    out: list[Item] = []
    for colour, name in entries:
        out += [Rect(x, y - 10, 14, 10, colour), Text(x + 18, y, name)]
        x += 18 + text_width(name) + 22
    return out


def _segment_label(x: float, w: float, top: float, share: float) -> Text:
    """The percentage inside its segment when it fits, else just above it (inside the plot's width)."""
    body = percent(share)
    if text_width(body, 13) + 8 <= w:
        return Text(x + w / 2, top + S_BAR / 2 + 5, body, "middle", style.ON_BAR, 13)
    cx = min(max(x + w / 2, S_LEFT + text_width(body) / 2), SHARE_W - S_RIGHT - text_width(body) / 2)
    return Text(cx, top - 4, body, "middle", style.TEXT)


def share_scene(summary: Summary) -> Scene:
    """One stacked bar per quantity: where the parameters live versus where the compute goes."""
    plot_w = SHARE_W - S_LEFT - S_RIGHT
    items: list[Item] = _legend(S_LEFT, 16, [(CONV_COLOUR, "convolutions"), (REST_COLOUR, "classifier & rest")])
    bottom = S_ROW0 + 2 * S_BAR + S_GAP
    for t in range(5):  # the 0-100 % axis under the bars, with grid lines through them
        x = S_LEFT + plot_w * t / 4
        items += [Line(x, S_ROW0 - 4, x, bottom + 4, style.RULE), Text(x, bottom + 17, f"{25 * t}%", "middle")]
    for i, sh in enumerate(shares(summary)):
        top = S_ROW0 + i * (S_BAR + S_GAP)
        w_conv = plot_w * sh.conv_share
        w_rest = plot_w - w_conv if sh.total else 0.0
        items += [Text(S_LEFT - 8, top + S_BAR / 2 - 1, sh.quantity, "end", style.TEXT, 13),
                  Text(S_LEFT - 8, top + S_BAR / 2 + 12, f"{fmt_short(sh.total)} total", "end", size=11)]
        for x, w, part, n, colour in ((S_LEFT, w_conv, "convolutions", sh.conv, CONV_COLOUR),
                                      (S_LEFT + w_conv, w_rest, "classifier & rest", sh.rest, REST_COLOUR)):
            share = n / sh.total if sh.total else 0.0
            items.append(Rect(x, top, w, S_BAR, colour,
                              title=f"{sh.quantity}, {part}: {n:,} of {sh.total:,} ({percent(share)})"))
            if w > 0:
                items.append(_segment_label(x, w, top, share))
    return Scene(SHARE_W, SHARE_H, tuple(items), "share of parameters and mult-adds: convolutions versus classifier")


# ---------------------------------------------------------------- per-layer panels

PM_W, PM_H = 600, 300
VALUE_SIZE = 11  # a bar's compact value above it
P_TOP, P_BOTTOM, P_LEFT, P_GAP, P_RIGHT = 46, 46, 42, 22, 8  # titles; layer names; tick labels; between panels


def _panel(x0: float, width: float, rows: list[LayerRow], values: list[int], title: str, unit: str,
           colour: str) -> list[Item]:
    """One titled bar chart with its own y axis, in the columns x0 .. x0 + width."""
    plot_x, plot_w, plot_h = x0 + P_LEFT, width - P_LEFT, PM_H - P_TOP - P_BOTTOM
    base = P_TOP + plot_h
    slot = plot_w / max(len(rows), 1)
    labels = [fmt_short(v) for v in values]
    level = all(text_width(t, VALUE_SIZE) + 4 <= slot for t in labels)  # else turned upright: never crowded
    top = max(values, default=0) * (1.12 if level else 1.25) or 1

    def y(v: float) -> float:
        return base - plot_h * v / top

    items: list[Item] = [Text(plot_x + plot_w / 2, 22, title, "middle", style.TEXT, 14)]
    for t in nice_ticks(top):
        items += [Line(plot_x, y(t), plot_x + plot_w, y(t), style.RULE), Text(plot_x - 5, y(t) + 4, fmt_short(t), "end")]
    for i, (row, v, label) in enumerate(zip(rows, values, labels, strict=True)):
        cx = plot_x + slot * (i + 0.5)
        items += [Rect(cx - slot * 0.35, y(v), slot * 0.7, base - y(v), colour, title=f"{row.name}: {v:,} {unit}"),
                  Text(cx + 3, base + 13, row.name, "end", rotate=-40)]
        items.append(Text(cx, y(v) - 3, label, "middle", style.TEXT, VALUE_SIZE) if level
                     else Text(cx + 4, y(v) - 3, label, "start", style.TEXT, VALUE_SIZE, rotate=-90))
    items.append(Line(plot_x, base, plot_x + plot_w, base, style.INK))
    return items


def params_macs_scene(summary: Summary) -> Scene:
    """Parameters and mult-adds per weighted layer, side by side: fc6 holds the weights, convs do the work."""
    rows = weighted_layers(summary)
    width = (PM_W - P_GAP - P_RIGHT) / 2
    items = (_panel(0, width, rows, [r.params for r in rows], "Parameters", "parameters", PARAM_COLOUR)
             + _panel(width + P_GAP, width, rows, [r.mult_adds for r in rows], "Mult-adds", "mult-adds", MACS_COLOUR))
    return Scene(PM_W, PM_H, tuple(items), "parameters and mult-adds per weighted layer")
