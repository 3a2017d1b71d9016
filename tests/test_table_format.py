"""The shape table out of the app: Markdown, LaTeX and CSV read back to the numbers of `summary --format json`."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest

from alexnet_core.arch import table_format as tf
from alexnet_core.arch.table import analytic_summary
from alexnet_core.cli import main
from alexnet_core.spec import presets


def cli(capsys, *args: str) -> str:
    assert main(["summary", *args]) == 0
    return capsys.readouterr().out


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _shape(text: str) -> list[int]:
    return [int(d) for d in re.split(r"×|\$\\times\$", text)]


def parse_markdown(text: str) -> list[list[str]]:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows[1].replace("|", "").strip(":-") == "", "the second row is the alignment row"
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in [rows[0], *rows[2:]]]


def parse_latex(text: str) -> list[list[str]]:
    body = text[text.index(r"\toprule"):text.index(r"\bottomrule")]
    return [[c.strip() for c in line.removesuffix(r"\\").split(" & ")] for line in body.splitlines()
            if line.endswith(r"\\")]


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_same_numbers(table: list[list[str]], summary: dict) -> None:
    head, *rows = table
    col = {h.replace(r"\_", "_"): i for i, h in enumerate(head)}
    *layers, total = rows
    assert len(layers) == len(summary["layers"])
    for row, layer in zip(layers, summary["layers"], strict=True):
        assert row[col["layer"]] == layer["name"] and row[col["type"]] == layer["type"]
        assert _shape(row[col["output"]]) == layer["output_shape"][1:]
        assert _int(row[col["params"]]) == layer["params"]
        assert _int(row[col["mult-adds"]]) == layer["mult_adds"]
        assert _int(row[col["receptive field"]]) == layer["receptive_field"]
        window = [layer["kernel"], layer["stride"], layer["padding"]]
        ksp = row[col["kernel/stride/pad"]]
        assert ([int(v) for v in ksp.split("/")] if ksp else [None] * 3) == window
        assert (int(row[col["groups"]]) if row[col["groups"]] else None) == layer["groups"]
    assert total[col["layer"]] == "total"
    assert _int(total[col["params"]]) == summary["total_params"]
    assert _int(total[col["mult-adds"]]) == summary["mult_adds"]


@pytest.mark.parametrize("variant", presets.ids())
def test_markdown_latex_and_csv_read_back_to_the_json_numbers(capsys, variant):
    truth = json.loads(cli(capsys, "--variant", variant, "--format", "json"))
    assert_same_numbers(parse_markdown(cli(capsys, "--variant", variant, "--format", "markdown")), truth)
    assert_same_numbers(parse_latex(cli(capsys, "--variant", variant, "--format", "latex")), truth)
    assert_same_numbers(parse_csv(cli(capsys, "--variant", variant, "--format", "csv")), truth)


def test_json_flag_is_an_alias_of_format_json(capsys):
    assert cli(capsys, "--variant", "d2l", "--json") == cli(capsys, "--variant", "d2l", "--format", "json")


def test_text_is_the_default_terminal_table(capsys):
    out = cli(capsys, "--variant", "paper2012")
    assert out == cli(capsys, "--variant", "paper2012", "--format", "text")
    assert "conv1" in out and "60,965,224" in out and "the classifier holds" in out


def test_a_users_name_is_escaped_in_latex_and_markdown():
    spec = replace(presets.get("torchvision").spec, name="my_net & 50% {x}|y")
    s = analytic_summary(spec, 224)
    latex = tf.to_latex(s)
    assert r"my\_net \& 50\% \{x\}|y" in latex
    assert "my_net" not in latex.replace(r"my\_net", "")
    md = tf.to_markdown(s)
    assert r"\|y" in md
    assert_same_numbers(parse_markdown(md), s.to_json())


def test_unknown_format_is_one_sentence():
    s = analytic_summary(presets.get("torchvision").spec, 224)
    with pytest.raises(ValueError, match="unknown table format 'xml'; use one of: text, markdown"):
        tf.render(s, "xml")
