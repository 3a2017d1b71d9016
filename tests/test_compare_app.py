"""AppTest: the Compare page, with presets and the session's edited spec."""

from __future__ import annotations

from alexnet_core.arch.build import build_model, count_params
from alexnet_core.spec import presets as variants
from tests.helpers import app_test, set_dial


def test_default_compares_three_presets_with_real_parameter_counts():
    at = app_test("pages/compare.py")
    assert not at.exception, at.exception
    totals = at.dataframe[0].value
    ids = list(totals["spec"])
    assert ids == ["paper2012", "torchvision", "fashion_mnist"]
    for vid, n in zip(ids, totals["parameters"], strict=True):
        assert n == count_params(build_model(variants.get(vid).spec, device="meta"))
    saving = totals.set_index("spec").loc["paper2012", "saved by groups"]
    assert 1.3e6 < saving < 1.5e6
    layers = at.dataframe[1].value.set_index("layer")
    assert layers.loc["lrn1", "differs"] == "✎"
    assert layers.loc["conv1", "torchvision: output"] == "64×55×55"


def test_session_spec_from_the_lab_joins_the_comparison():
    at = app_test("app.py")
    at.switch_page("pages/layer_lab.py").run()
    set_dial(at, 0, "out", 32)
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    at.multiselect(key="cmp_specs").set_value(["session", "torchvision"]).run()
    totals = at.dataframe[0].value
    assert totals["what"].iloc[0].startswith("✎ Edited")
    layers = at.dataframe[1].value.set_index("layer")
    assert layers.loc["conv1", "session: output"] == "32×55×55"
    assert layers.loc["conv1", "differs"] == "✎" and layers.loc["fc6", "differs"] == ""


def test_one_spec_is_not_a_comparison_and_common_size_reports_problems():
    at = app_test("pages/compare.py")
    at.multiselect(key="cmp_specs").set_value(["torchvision"]).run()
    assert "at least two" in at.info[0].value
    at.multiselect(key="cmp_specs").set_value(["torchvision", "unpadded_classic"]).run()
    at.toggle(key="cmp_own_size").set_value(False).run()
    assert not at.exception
    assert any("227–258" in w.value for w in at.warning)


def test_compare_deep_link_picks_the_specs():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "compare.py"), default_timeout=120)
    at.query_params["cmp"] = ["d2l", "kaiming", "<script>"]
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["spec"]) == ["d2l", "kaiming"]
    d2l = at.dataframe[0].value.set_index("spec").loc["d2l", "parameters"]
    assert d2l == count_params(build_model(variants.get("d2l").spec, device="meta"))
