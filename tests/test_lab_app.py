"""AppTest: the Layer Lab page. Every table is checked against a real forward pass (on the meta device:
real torch shape rules, no weights allocated)."""

from __future__ import annotations

import io
import json
import re
from functools import partial

import pytest
import torch
from PIL import Image

from alexnet_core.arch.build import build_model
from alexnet_core.figures import flow_svg
from alexnet_core.figures.scene import encode
from alexnet_core.spec import presets, url
from alexnet_core.spec.types import UNNAMED, ArchSpec
from tests.helpers import app_test, dials, dials_data, forward_shapes, html_tables, set_dial
from ui.lab import view

LAB = "pages/layer_lab.py"


def lab(query: dict[str, str] | None = None):
    at = app_test(LAB, query)
    assert not at.exception, at.exception
    return at


def table(at):
    assert not at.exception, at.exception
    return html_tables(at)["lab"]


def url_spec(at) -> ArchSpec | None:
    token = at.query_params.get("spec")
    token = token[0] if isinstance(token, list) else token
    return url.decode(token) if token else None


def real_outputs(spec: ArchSpec, size: int) -> list[str]:
    model = build_model(spec, device="meta")
    shapes = forward_shapes(model, torch.zeros(1, spec.in_channels, size, size, device="meta"))
    return ["×".join(map(str, s)) for _, s in shapes]


def test_slider_changes_the_table_the_url_and_the_highlight():
    at = lab()
    before = table(at)
    assert before["output"].iloc[0] == "64×55×55" and set(before["Δ"]) == {""}
    assert "spec" not in at.query_params
    set_dial(at, 0, "s", 2)
    df = table(at)
    spec = url_spec(at)
    assert spec is not None and spec.convs[0].stride == 2
    assert list(df["output"]) == real_outputs(spec, 224)
    assert df["output"].iloc[0] == "64×109×109" and df["Δ"].iloc[0] == "✎"
    assert df["params"].sum() == before["params"].sum()  # the adaptive pool keeps fc6 at 256·6·6 ...
    assert df["mult-adds"].sum() > before["mult-adds"].sum()  # ... but every conv slides over 4× more positions
    assert "✎ Edited (from torchvision)" in at.caption[0].value
    drawn = dials(at)
    assert drawn["s"]["changed"] and drawn["s"]["value"] == 2 and not drawn["k"]["changed"]


def test_reset_returns_to_the_preset():
    at = lab()
    set_dial(at, 0, "p", 0)
    set_dial(at, 0, "out", 32)
    assert table(at)["output"].iloc[0] == "32×54×54"
    at.button(key="lab_reset").click().run()
    df = table(at)
    assert list(df["output"]) == real_outputs(presets.get("torchvision").spec, 224)
    assert "spec" not in at.query_params and set(df["Δ"]) == {""}
    assert dials(at)["p"]["value"] == 2 and not any(f["changed"] for f in dials(at).values())


def test_invalid_setting_shows_layer_size_and_fix_and_page_stays_usable():
    at = lab()
    set_dial(at, 0, "s", 16)
    assert not at.exception and "lab" not in html_tables(at)
    err = at.error[0].value
    assert "pool5 collapses" in err and "at 224 px" in err
    fix_buttons = [b for b in at.button if (b.key or "").startswith("lab_fix_")]
    assert any("stride" in b.label for b in fix_buttons) and any("input" in b.label for b in fix_buttons)
    set_dial(at, 0, "k", 5)  # other controls still work while broken
    assert not at.exception
    stride_fix = next(b for b in at.button if (b.key or "").startswith("lab_fix_") and "stride" in b.label)
    stride_fix.click().run()
    df = table(at)
    spec = url_spec(at)
    assert spec is not None and spec.convs[0].kernel == 5
    assert list(df["output"]) == real_outputs(spec, 224)


def test_groups_that_do_not_divide_are_refused_with_a_hint():
    at = lab()
    at.session_state["lab_block_choice"] = "conv2"
    at.session_state["lab_more"] = True
    at.run()
    at.number_input(key="lab_1_g").set_value(5).run()
    assert "Not applied" in at.warning[0].value and "groups" in at.warning[0].value
    assert url_spec(at) is None and table(at)["groups"].iloc[3] == "1"


def test_budget_refuses_an_absurd_classifier():
    at = lab()
    at.session_state["lab_block_choice"] = "classifier"
    at.run()
    at.number_input(key="lab_nhidden").set_value(3).run()
    for j in range(3):
        at.number_input(key=f"lab_h{j}").set_value(16384).run()
    assert any("refused" in w.value and "budget" in w.value for w in at.warning)
    spec = url_spec(at)
    assert spec is not None and spec.classifier.hidden.count(16384) == 2
    assert list(table(at)["output"]) == real_outputs(spec, 224)


def test_add_and_remove_a_block():
    at = lab()
    at.button(key="lab_add").click().run()
    df = table(at)
    assert "conv6" in list(df["layer"]) and list(df["output"]) == real_outputs(url_spec(at), 224)
    at.button(key="lab_rm_5").click().run()
    assert "conv6" not in list(table(at)["layer"]) and url_spec(at) is None


def test_upload_valid_and_hostile_specs():
    at = lab()
    assert not at.get("file_uploader")  # drawn only while its expander is open
    at.session_state["lab_files"] = True
    at.run()
    good = presets.get("d2l").spec
    at.file_uploader(key="lab_upload").set_value(("d2l.json", good.to_json().encode(), "application/json")).run()
    spec = url_spec(at)
    assert spec is not None and spec.convs == good.convs and spec.feature_size == (5, 5)
    assert list(table(at)["output"]) == real_outputs(spec, 224)
    hostile = good.to_dict() | {"convs": [{"out_channels": 96, "kernel": "11; rm -rf /"}]}
    at.file_uploader(key="lab_upload").set_value(("bad.json", json.dumps(hostile).encode(), "application/json")).run()
    assert not at.exception
    assert any("convs[0].kernel" in e.value for e in at.error)
    assert url_spec(at).convs == good.convs  # untouched
    at.file_uploader(key="lab_upload").set_value(("big.json", b"{" + b" " * 70_000 + b"}", "application/json")).run()
    assert any("cap" in e.value for e in at.error) and url_spec(at).convs == good.convs


def test_deep_link_reopens_the_same_network_and_a_bad_link_falls_back():
    base = presets.get("torchvision").spec
    spec = base.with_(convs=(base.convs[0].__class__(48, 7, 2, 3),) + base.convs[1:], name=UNNAMED)
    at = lab({"variant": "torchvision", "size": "160", "spec": url.encode(spec)})
    assert list(table(at)["output"]) == real_outputs(spec, 160)
    assert url_spec(at) == spec
    at = lab({"variant": "torchvision", "spec": "v1.garbage!!"})
    assert "not loaded" in at.warning[0].value
    assert list(table(at)["output"]) == real_outputs(base, 224)


def test_edited_spec_is_what_the_architecture_page_uses():
    at = app_test("app.py")
    at.switch_page("pages/layer_lab.py").run()
    set_dial(at, 0, "s", 2)
    at.switch_page("pages/architecture.py").run()
    assert not at.exception
    assert html_tables(at)["arch"]["output"].iloc[0] == "64×109×109"
    assert "✎ Edited" in at.caption[0].value


def test_conv_arithmetic_tab_answers_54_vs_55():
    at = lab()
    set_dial(at, 0, "p", 0)
    at.session_state["lab_tab"] = "Convolution arithmetic"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "= 54." in text and "2·0 = 0 in total" in text and "4 in total" in text
    at.slider(key="lab_arith_pos").set_value(3).run()
    assert not at.exception
    at.selectbox(key="lab_arith_layer").set_value("pool1").run()
    assert "**pool1**: input 54" in "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("choice", ["classifier", "conv3"])
def test_block_picker_shows_that_blocks_controls(choice):
    at = lab()
    at.session_state["lab_block_choice"] = choice
    at.run()
    keys = {w.key for w in at.number_input}
    if choice == "classifier":
        assert "lab_nhidden" in keys and not at.get("bidi_component")
    else:
        assert dials(at, 2)["out"]["value"] == 384 and "lab_nhidden" not in keys


def test_sidebar_channels_apply_to_the_edited_spec():
    at = lab()
    set_dial(at, 0, "out", 32)
    at.number_input(key="sb_in_ch").set_value(1).run()
    spec = url_spec(at)
    assert spec is not None and spec.in_channels == 1 and spec.convs[0].out_channels == 32
    df = table(at)
    assert df["params"].iloc[0] == 32 * 1 * 11 * 11 + 32
    assert list(df["output"]) == real_outputs(spec, 224)


@pytest.mark.parametrize("vid", [v.id for v in presets.list_variants()])
def test_every_preset_opens_in_the_lab_with_a_real_table(vid):
    v = presets.get(vid)
    at = lab({"variant": vid})
    assert list(table(at)["output"]) == real_outputs(v.spec, v.input_size)
    assert url_spec(at) is None and "Reset" in at.button(key="lab_reset").label


def test_the_flow_plot_is_inline_svg_with_the_forward_pass_sides():
    at = lab()
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg")]
    assert len(svgs) == 1
    points = re.findall(r"<title>([^<:]+): (\d+)×\d+ px</title>", svgs[0])
    spec = presets.get("torchvision").spec
    real = dict(forward_shapes(build_model(spec, device="meta"), torch.zeros(1, 3, 224, 224, device="meta")))
    assert points[0] == ("input", "224") and len(points) >= 9
    assert all(int(side) == real[name][-1] for name, side in points[1:])


def test_files_hold_the_chart_and_a_collapsed_size_offers_no_chart_and_no_traceback():
    at = lab()
    at.session_state["lab_files"] = True
    at.run()
    assert not at.exception
    chart = next(b for b in at.get("download_button") if b.proto.label.startswith("Chart: sizes and channels"))
    assert chart.proto.label.endswith("(PNG)")
    set_dial(at, 0, "s", 16)  # pool5 collapses at 224 px
    assert not at.exception and at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert not any(label.startswith("Chart:") for label in labels)
    card = next(b for b in at.get("download_button") if b.proto.label == "Download model card (HTML)")
    assert card.proto.disabled


def test_a_chart_file_is_a_png_twice_the_drawing_or_an_svg():
    spec = presets.get("paper2012").spec
    make = partial(view.flow_scene, spec, 227)
    png, mime = encode(make(), "png", 2)
    assert mime == "image/png" and png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).size == (flow_svg.WIDTH * 2, flow_svg.HEIGHT * 2)
    svg, mime = encode(make(), "svg")
    assert mime == "image/svg+xml" and svg.startswith(b"<svg") and b"227" in svg


def test_an_upload_refusal_goes_when_files_is_closed():
    at = lab()
    at.session_state["lab_files"] = True
    at.session_state[view.UPLOAD_MSG] = "Upload refused: a test."
    at.run()
    assert any("Upload refused: a test." in e.value for e in at.error)
    at.session_state["lab_files"] = False
    at.run()
    assert view.UPLOAD_MSG not in at.session_state
    at.session_state["lab_files"] = True
    at.run()
    assert not any("Upload refused" in e.value for e in at.error)


def test_more_holds_the_other_conv_controls_and_stays_open_while_they_change():
    at = lab()
    keys = {w.key for w in at.get("number_input") + at.get("checkbox") + at.get("selectbox")}
    assert dials(at, 0) and not keys & {"lab_0_g", "lab_0_act", "lab_0_lrn", "lab_0_bn", "lab_0_pool"}
    at.session_state["lab_more"] = True
    at.run()
    at.checkbox(key="lab_0_bn").check().run()
    at.checkbox(key="lab_0_pool").uncheck().run()  # still there: the box did not close under the click
    spec = url_spec(at)
    assert spec.convs[0].batchnorm and spec.convs[0].pool is None
    at.session_state["lab_more"] = False
    at.run()
    assert "lab_0_bn" not in {w.key for w in at.get("checkbox")}


def test_more_and_files_stay_open_across_the_classifier_block():
    at = lab()
    at.session_state["lab_more"] = True
    at.session_state["lab_files"] = True
    at.run()
    at.session_state["lab_block_choice"] = "classifier"  # neither box is drawn for the classifier's controls
    at.run()
    assert "lab_0_bn" not in {w.key for w in at.get("checkbox")}
    at.session_state["lab_block_choice"] = "conv1"
    at.run()
    assert "lab_0_bn" in {w.key for w in at.get("checkbox")}  # More opened again as it was left
    csv = next(b for b in at.get("download_button") if b.proto.label == "Download the table (CSV)")
    assert csv.proto.label and not at.exception


FORGED = [{"s": 0}, {"s": 17}, {"k": True}, {"p": "2"}, {"p": 2.5}, {"g": 2}, {"__class__": 1}, {"out": 10**11},
          {}, [], [{"s": 2}], "s", 2, {"s": None}, {"s": 2, "x": 1}, {"s": {"s": 2}}, {"s": [2]}, {str(i): 1 for i in range(9)}]


@pytest.mark.parametrize("sent", FORGED, ids=lambda v: repr(v)[:30])
def test_a_dial_edit_the_browser_could_forge_is_refused_and_changes_nothing(sent):
    at = lab()
    set_dial(at, 0, None, sent=sent)
    assert not at.exception and "spec" not in at.query_params
    assert at.warning and at.warning[0].value.startswith("Not applied")
    assert table(at)["output"].iloc[0] == "64×55×55"


@pytest.mark.parametrize("raw", ['[{"event": "edit", "value": {"s": ' + "9" * 5000 + "}}]",
                                 "[" * 5000, '[{"event": "edit", "value": ' + "[" * 3000 + "]" * 3000 + "}]",
                                 "not JSON", "{}", "[]", "null"], ids=["5000 digits", "5000 [", "3000 deep",
                                                                       "text", "{}", "[]", "null"])
def test_trigger_json_python_cannot_parse_puts_no_traceback_on_the_page(raw):
    """Streamlit parses a component's JSON before any app code runs; ui/runtime.guard_component_json puts the
    app's JSON limits in front of it (a 5,000-digit number or 3,000 brackets made Python's parser raise)."""
    at = lab()
    set_dial(at, 0, None, raw=raw)
    assert not at.exception and "spec" not in at.query_params
    assert table(at)["output"].iloc[0] == "64×55×55"
    set_dial(at, 0, "s", 2)  # and the next real edit goes through
    assert url_spec(at).convs[0].stride == 2


def test_two_edits_in_one_trigger_both_apply():
    """The browser sends every edit it has not had an answer for: two quick ones can arrive as one."""
    at = lab()
    set_dial(at, 0, None, sent={"k": 5, "s": 2})
    conv1 = url_spec(at).convs[0]
    assert (conv1.kernel, conv1.stride) == (5, 2) and not at.warning


def test_an_edit_the_budget_refuses_brings_the_servers_values_back():
    """A refused edit leaves the spec as it was; the dials' revision moves, so the page redraws them with the
    server's values (the same data twice would not reach dials.js, and the box would keep the refused number)."""
    at = lab()
    at.session_state["lab_block_choice"] = "conv5"
    at.run()
    before = dials_data(at, 4)["rev"]
    set_dial(at, 4, "out", 4096)  # fc6 would read 4096·6·6 inputs: over 500 M parameters
    assert at.warning and "Not applied" in at.warning[0].value and "spec" not in at.query_params
    after = dials_data(at, 4)
    assert after["rev"] > before and dials(at, 4)["out"]["value"] == 256
