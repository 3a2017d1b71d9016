"""AppTest: the Architecture page and the shared sidebar, through app.py and standalone."""

import pytest

from alexnet_core.arch.torchinfo_table import summarize
from alexnet_core.spec import presets
from tests.helpers import app_test as app
from tests.helpers import html_tables


def first_table(at):
    assert not at.exception, at.exception
    return html_tables(at)["arch"]


def test_default_page_shows_torchvision():
    at = app()
    df = first_table(at)
    assert list(df["layer"])[:3] == ["conv1", "relu1", "pool1"]
    assert df["params"].sum() == 61_100_840
    assert at.metric[0].value == "61,100,840"


def test_changing_variant_changes_the_table_and_the_url():
    at = app()
    at.selectbox(key="sb_variant").set_value("paper2012").run()
    df = first_table(at)
    assert df["params"].sum() == 60_965_224
    assert "lrn1" in list(df["layer"])
    assert at.number_input(key="sb_size").value == 227
    assert at.query_params["variant"] == ["paper2012"] or at.query_params["variant"] == "paper2012"


def test_table_matches_the_core_summary():
    at = app()
    at.selectbox(key="sb_variant").set_value("small_input").run()
    df = first_table(at)
    s = summarize(presets.get("small_input").spec, 64)
    assert list(df["mult-adds"]) == [r.mult_adds for r in s.layers]
    assert list(df["receptive field"]) == [r.receptive_field for r in s.layers]


def test_invalid_size_shows_the_message_not_a_table():
    at = app()
    at.selectbox(key="sb_variant").set_value("unpadded_classic").run()
    at.number_input(key="sb_size").set_value(224).run()
    assert not at.exception
    assert "arch" not in html_tables(at)
    assert "accepts 227–258 px" in at.error[0].value
    at.number_input(key="sb_size").set_value(240).run()  # and it recovers
    assert "arch" in html_tables(at)


def test_state_survives_reruns():
    at = app()
    at.number_input(key="sb_in_ch").set_value(1).run()
    at.run()
    at.run()
    assert at.number_input(key="sb_in_ch").value == 1
    assert first_table(at)["output"].iloc[0] == "64×55×55"


@pytest.mark.parametrize("path", ["app.py", "pages/architecture.py"])
def test_url_configures_the_page_even_without_app_py(path):
    at = app(path, {"variant": "fashion_mnist", "size": "224", "in_ch": "1", "classes": "10"})
    df = first_table(at)
    assert df["params"].sum() == 58_299_082


def test_garbage_in_the_url_falls_back_to_defaults():
    at = app(query={"variant": "<script>", "size": "-5", "in_ch": "abc"})
    assert first_table(at)["params"].sum() == 61_100_840
    # ...and says so: each ignored value is named once, in one notice, with no traceback.
    (notice,) = [w.value for w in at.sidebar.warning]
    assert "variant='<script>'" in notice and "size='-5'" in notice and "in_ch='abc'" in notice
    assert "classes" not in notice and not at.exception


def test_a_good_url_gets_no_notice():
    at = app(query={"variant": "paper2012", "size": "227"})
    assert not at.sidebar.warning and not at.exception


def test_formula_for_the_chosen_layer():
    at = app()
    at.selectbox(key="arch_formula_layer").set_value("conv1").run()
    assert any("224 - 11 + 2\\cdot2" in m.value and "= 55" in m.value for m in at.latex)
