"""Real forward passes, layer by layer, to check the analytic figures against."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd
import torch
from torch import nn

from alexnet_core.arch.build import AlexNet


def forward_shapes(model: AlexNet, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """(label, output shape without batch) for every labelled layer, in forward order."""
    seen: list[tuple[str, tuple[int, ...]]] = []
    hooks = []
    for path, module in model.named_modules():
        if path in model.labels and not isinstance(module, nn.Identity):
            label = model.labels[path]
            hooks.append(module.register_forward_hook(
                lambda m, i, o, label=label: seen.append((label, tuple(o.shape[1:])))))
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    return seen


def app_test(path: str = "app.py", query: dict[str, str] | None = None, timeout: float = 120):
    """AppTest of a file under the repo root, with optional query parameters, already run once."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / path), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


class _TableParser(HTMLParser):
    """The cells of a ``ui.tables.html`` table, numbers (class=num) read back as int or float."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[str] = []
        self.rows: list[list[object]] = []
        self.changed: list[bool] = []
        self._cell: list[str] | None = None
        self._num = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and self.head:
            self.rows.append([])
            self.changed.append(a.get("class") == "changed")
        elif tag in ("th", "td"):
            self._cell, self._num = [], a.get("class") == "num"

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("th", "td") or self._cell is None:
            return
        text = "".join(self._cell).replace("\u200b", "")
        self._cell = None
        if tag == "th":
            self.head.append(text)
        elif self._num:
            plain = text.replace(",", "")
            self.rows[-1].append(float(plain) if "." in plain else int(plain))
        else:
            self.rows[-1].append(text)


def html_tables(at) -> dict[str, pd.DataFrame]:
    """Every plain HTML table the run drew (``ui.tables.html``), by its name, as a DataFrame; each frame's
    ``attrs["changed"]`` holds its tinted rows."""
    out = {}
    for el in at.get("html"):
        body = el.proto.body
        found = re.search(r'data-table="([^"]+)"', body)
        if not found:
            continue
        p = _TableParser()
        p.feed(body)
        df = pd.DataFrame(p.rows, columns=p.head)
        df.attrs["changed"] = p.changed
        out[found.group(1)] = df
    return out


def dials_data(at, block: int = 0) -> dict:
    """What the Layer Lab sent to conv block ``block``'s dials (ui/lab/dials.data): {"rev", "fields"}."""
    import json

    from ui.lab import dials as lab_dials

    found = [e for e in at.get("bidi_component") if e.proto.id.endswith(lab_dials.key(block))]
    assert found, f"no dials for conv{block + 1} on the page"
    return json.loads(found[0].proto.json)


def dials(at, block: int = 0) -> dict[str, dict]:
    """The Layer Lab's dials of conv block ``block`` as drawn: field -> its data."""
    return {f["f"]: f for f in dials_data(at, block)["fields"]}


def set_dial(at, block: int, field: object, value: object = None, *, sent: object = None, raw: str | None = None):
    """Move a dial as the browser does: every widget's state plus the component's ``edit`` trigger
    ({field: value}, or ``sent`` as it stands: what a forged page could send; or ``raw``, the trigger's
    JSON text itself), one run."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    from ui.lab import dials as lab_dials

    dials(at, block)  # it must be on the page
    el = next(e for e in at.get("bidi_component") if e.proto.id.endswith(lab_dials.key(block)))
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(el.proto.id, "events")
    payload = sent if sent is not None else {field: value}
    trigger.json_trigger_value = raw if raw is not None else json.dumps([{"event": lab_dials.EVENT, "value": payload}])
    return at._run(states)
