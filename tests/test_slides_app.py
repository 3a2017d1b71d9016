"""AppTest: figures for slides on the pages: the table as Markdown/LaTeX, the model card button, the chart format."""

from __future__ import annotations

import pytest

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.table import analytic_summary
from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets
from tests.helpers import app_test as app
from ui import charts


def code_blocks(at) -> dict[str, str]:
    return {c.language: c.value.strip() for c in at.code}  # st.code drops the last newline


def opened_blocks(at, key: str) -> dict[str, str]:
    """Open the copy-out expander, then each of its tabs: only an open one is drawn."""
    assert not at.code  # folded away: nothing drawn until asked for
    at.session_state[f"{key}_copy"] = True
    at.run()
    blocks = code_blocks(at)
    at.session_state[f"{key}_copy_tab"] = "LaTeX"
    at.run()
    return {**blocks, **code_blocks(at)}


def format_switch(at):
    return next(b for b in at.get("button_group") if b.proto.label == "Chart download format")


def card_button(at):
    return next(b for b in at.get("download_button") if b.proto.label == "Download model card (HTML)")


@pytest.mark.parametrize("path", ["app.py", "pages/architecture.py"])  # a deep link runs the page alone
def test_architecture_copies_the_table_out(path):
    at = app(path, {"variant": "paper2012", "size": "227"})
    assert not at.exception, at.exception
    s = summarize(presets.get("paper2012").spec, 227)
    blocks = opened_blocks(at, "arch")
    assert blocks["markdown"] == tf.to_markdown(s).strip() and blocks["latex"] == tf.to_latex(s).strip()
    assert not at.get("download_button")  # in the files expander, drawn only while open
    at.session_state["arch_files"] = True
    at.run()
    assert not card_button(at).proto.disabled


def test_layer_lab_copies_its_edit_out():
    spec = presets.get("torchvision").spec
    at = app("pages/layer_lab.py")
    assert not at.exception, at.exception
    blocks = opened_blocks(at, "lab")
    assert blocks["markdown"] == tf.to_markdown(analytic_summary(spec, 224)).strip()
    assert not at.get("download_button")  # the card sits in the Lab's files expander, drawn only while open
    at.session_state["lab_files"] = True
    at.run()
    assert not card_button(at).proto.disabled


def test_an_impossible_size_shows_no_copy_out_and_no_traceback():
    at = app("pages/architecture.py", {"variant": "unpadded_classic", "size": "224"})
    assert not at.exception and at.error
    assert not at.code


def test_chart_format_setting_is_session_wide():
    at = app("app.py")
    assert not at.exception, at.exception
    format_switch(at).set_value("SVG").run()
    assert at.session_state[charts.KEY] == "SVG"
    at.switch_page("pages/layer_lab.py").run()  # another page, run alone (as a deep link would)
    assert not at.exception, at.exception
    assert at.session_state[charts.KEY] == "SVG" and format_switch(at).value == "SVG"


def test_chart_config_saves_at_twice_the_pixels():
    cfg = charts.chart_config("svg", "arch_bars")
    assert cfg["toImageButtonOptions"] == {"format": "svg", "scale": 2, "filename": "arch_bars"}
    assert cfg["displaylogo"] is False


def test_every_chart_goes_through_the_one_helper():
    """No page or view calls st.plotly_chart itself, so every chart gets the export settings."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    callers = [str(f.relative_to(root)) for d in ("pages", "ui") for f in (root / d).rglob("*.py")
               if "st.plotly_chart(" in f.read_text() and f.name != "charts.py"]
    callers += ["app.py"] if "st.plotly_chart(" in (root / "app.py").read_text() else []
    assert callers == []
