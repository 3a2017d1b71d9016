"""The guided tour: its facts are the core's, every step renders and its "try this" applies with no
exception (AppTest, the page run alone as a deep link runs it), links and the user's own edit survive."""

from __future__ import annotations

import pytest

from alexnet_core.arch.lessons import facts
from alexnet_core.spec import presets, url
from tests.helpers import app_test, html_tables
from ui import nav
from ui.tour.steps import STEPS, texts

START_RUNS = 11  # its try-this starts two training runs: covered by the browser journey, not here


def test_the_facts_the_tour_states_are_the_ones_the_course_gives():
    f = facts()
    assert f.input_numbers == 150_528
    assert f.groups_saving == 1_413_120
    assert f.paper_range == "accepts 227–258 px"
    assert (f.rf_first, f.rf_last) == (11, 195)
    assert round(f.classifier_param_share, 2) == 0.96 and round(f.conv_mult_add_share, 2) == 0.92


def test_every_step_has_a_text_and_the_texts_carry_the_computed_numbers():
    assert len(texts()) == len(STEPS) == 12
    joined = " ".join(body for _, body in texts())
    assert "150,528" in joined and "1,413,120" in joined and "227–258" in joined and "{" not in joined


@pytest.mark.parametrize("n", range(1, len(STEPS) + 1))
def test_each_step_renders_and_its_try_this_applies(n):
    at = app_test("pages/tour.py", {"step": str(n)})
    assert not at.exception, at.exception
    assert at.session_state["tour_step"] == n
    if n != START_RUNS:
        at.button(key=f"tour_try_{n}").click().run()
        assert not at.exception, at.exception
        assert at.session_state[f"tour_tried_{n}"]


def test_try_this_changes_the_live_view():
    at = app_test("pages/tour.py", {"step": "2"})
    before = at.session_state["tour_state_2"][0]
    at.button(key="tour_try_2").click().run()
    after = at.session_state["tour_state_2"][0]
    assert before.convs[0].stride == 4 and after.convs[0].stride == 2
    conv1 = html_tables(at)["lab"].set_index("layer").loc["conv1"]
    assert conv1["kernel/stride/pad"] == "11/2/2" and conv1["Δ"] == "✎"  # the live table follows the change


def test_next_and_back_move_and_a_bad_step_is_named():
    at = app_test("pages/tour.py", {"step": "99"})
    assert not at.exception and at.session_state["tour_step"] == 1
    assert any("step='99'" in w.value for w in at.warning)
    at.button(key="tour_next").click().run()
    assert at.session_state["tour_step"] == 2 and at.query_params["step"] == "2"
    at.button(key="tour_back").click().run()
    assert at.session_state["tour_step"] == 1


@pytest.mark.parametrize("raw", ["²", "١"])  # str.isdigit() says yes to both; int() takes only the second
def test_a_step_of_unicode_digits_in_the_link_is_named_not_a_traceback(raw):
    at = app_test("pages/tour.py", {"step": raw})
    assert not at.exception and at.session_state["tour_step"] == 1
    assert any(f"step={raw!r}" in w.value for w in at.warning)


def test_the_tour_leaves_the_users_own_lab_edit_alone():
    tv = presets.get("torchvision").spec
    from dataclasses import replace
    edit = replace(tv, convs=(replace(tv.convs[0], stride=3),) + tv.convs[1:])
    at = app_test("pages/tour.py", {"variant": "torchvision", "spec": url.encode(edit), "step": "2"})
    at.button(key="tour_try_2").click().run()
    assert not at.exception
    assert at.session_state["cfg"]["edit"].convs[0].stride == 3


def test_the_tour_leads_the_links_and_the_root_stays_architecture():
    assert nav.LINK_ORDER[0][0] == "pages/tour.py"
    assert nav.PAGES[0][0] == "pages/architecture.py"


def test_presentation_mode_comes_from_the_link_and_stays_in_it():
    at = app_test("pages/tour.py", {"step": "1", "present": "1"})
    assert not at.exception and at.session_state["present"] is True
    assert at.query_params["present"] == "1"
    at.toggle(key="present_toggle_tour").set_value(False).run()
    assert at.session_state["present"] is False and "present" not in at.query_params


def test_the_table_marks_only_what_try_this_changed_against_the_steps_own_preset():
    at = app_test("pages/tour.py", {"step": "7"})  # the 2012 network: nothing marked before the change
    marks = html_tables(at)["lab"]["Δ"].tolist()
    assert marks and not any(marks)
    at.button(key="tour_try_7").click().run()  # one tower: the grouped convolutions change
    changed = html_tables(at)["lab"].loc[lambda d: d["Δ"] != "", "layer"].tolist()
    assert {"conv2", "conv4", "conv5"} <= set(changed) and "conv1" not in changed
