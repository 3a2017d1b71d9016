"""The model card: one HTML file holding the table, the totals and the shape-flow plot, with nothing to fetch."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from alexnet_core.arch.shapes import ShapeError
from alexnet_core.arch.table import analytic_summary
from alexnet_core.cli import main
from alexnet_core.figures import card
from alexnet_core.spec import presets


@pytest.fixture(scope="module")
def paper_card() -> str:
    return card.card_for(presets.get("paper2012").spec, 227)


def test_the_card_holds_the_totals_the_table_and_the_plot(paper_card):
    s = analytic_summary(presets.get("paper2012").spec, 227)
    assert f"{s.total_params:,}" in paper_card and f"{s.mult_adds:,}" in paper_card
    body = paper_card[paper_card.index("<tbody>"):paper_card.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    assert len(rows) == len(s.layers)  # the totals row has its own class
    for row, layer in zip(rows, s.layers, strict=True):
        assert f">{layer.name}<" in row and f">{layer.params:,}<" in row
    assert f'id="{card.PLOT_ID}"' in paper_card and "Plotly.newPlot" in paper_card


def test_the_card_fetches_nothing(paper_card):
    """plotly.js is inlined: no <script src>, no stylesheet link."""
    assert not re.search(r"<script[^>]*\bsrc=", paper_card)
    assert not re.search(r"<link[^>]*\bhref=", paper_card)
    assert re.search(r"plotly\.js v\d", paper_card), "the plotly.js bundle itself is in the file"


def test_a_users_name_is_escaped():
    spec = replace(presets.get("torchvision").spec, name="<script>alert(1)</script>")
    text = card.card_for(spec, 224)
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text


def test_an_impossible_size_raises_shape_error():
    with pytest.raises(ShapeError):
        card.card_for(presets.get("unpadded_classic").spec, 224)


def test_cli_writes_the_card(tmp_path, capsys):
    out = tmp_path / "card.html"
    assert main(["card", "--variant", "paper2012", "--out", str(out)]) == 0
    assert "60,965,224" in out.read_text(encoding="utf-8")
    assert str(out) in capsys.readouterr().out


def test_cli_card_from_a_spec_file_and_size(tmp_path):
    spec_file = tmp_path / "net.json"
    spec_file.write_text(presets.get("small_input").spec.to_json())
    out = tmp_path / "card.html"
    assert main(["card", "--spec", str(spec_file), "--input-size", "96", "--out", str(out)]) == 0
    assert "1×96×96" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args,needle", [
    (["--variant", "unpadded_classic", "--input-size", "224"], "accepts 227–258 px"),
    (["--variant", "nope"], "no variant 'nope'"),
    (["--spec", "/nonexistent.json"], "nonexistent"),
    (["--input-size", "0"], "input size must be positive"),
])
def test_cli_bad_requests_exit_2_with_one_line(tmp_path, capsys, args, needle):
    try:
        code = main(["card", *args, "--out", str(tmp_path / "c.html")])
    except SystemExit as exc:  # argparse rejects a malformed flag itself
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and err.strip().count("\n") == 0 and "Traceback" not in err
    assert not (tmp_path / "c.html").exists()


def test_cli_refuses_a_folder(tmp_path, capsys):
    assert main(["card", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err

