"""AppTest of the Training page (worker launcher off: jobs stay queued) and its figure builders."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from alexnet_core.cli import main
from alexnet_core.figures import training as plots_train
from alexnet_core.guard import limits
from alexnet_core.spec import presets
from alexnet_core.training.loop import TrainConfig
from alexnet_core.training.store import Store
from tests.helpers import app_test

PAGE = "pages/training.py"


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch):
    monkeypatch.setenv("ALEXNET_LAUNCHER", "off")


def no_errors(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_empty_page_then_preset_start_queues_a_run_that_a_second_session_sees():
    at = app_test(PAGE)
    no_errors(at)
    assert "No runs yet" in at.info[0].value
    at.selectbox(key="tr_preset").set_value("cpu_digits_adam_lr0.01").run()
    assert at.number_input(key="tr_lr").value == 0.01 and at.selectbox(key="tr_optimizer").value == "adam"
    assert at.selectbox(key="tr_spec").value == "torchvision"
    at.button(key="tr_start").click().run()
    no_errors(at)
    (run,) = Store().list()
    assert run.status == "queued" and run.config["lr"] == 0.01 and run.config["dataset"] == "digits"
    assert run.spec == presets.get("torchvision").spec.to_dict()
    assert "Queued for cpu" in at.get("progress")[0].proto.text

    other = app_test(PAGE)  # a second browser session
    no_errors(other)
    assert other.dataframe[0].value["run"].tolist() == [run.id]
    other.button(key=f"tr_cancel_{run.id}").click().run()
    assert Store().get(run.id).status == "cancelled"
    at.run()
    assert "cancelled" in at.dataframe[0].value["status"].tolist()


def test_session_spec_is_what_gets_trained():
    at = app_test(PAGE, {"variant": "small_input", "size": "64", "in_ch": "3", "classes": "7"})
    no_errors(at)
    assert at.selectbox(key="tr_spec").value == "__session__"
    at.button(key="tr_start").click().run()
    (run,) = Store().list()
    assert run.spec["in_channels"] == 3 and run.spec["num_classes"] == 7 and run.spec["name"] == "small_input"


def test_finished_run_shows_curves_best_epoch_and_compare(capsys):
    assert main(["train", "--variant", "torchvision", "--dataset", "digits", "--epochs", "2", "--width", "0.125",
                 "--input-size", "64", "--train-limit", "256"]) == 0
    capsys.readouterr()
    s = Store()
    (run,) = s.list()
    best = max(v for _, v, _ in s.metrics(run.id)["epoch/test_acc"])
    at = app_test(PAGE)
    no_errors(at)
    assert any("Done" in x.value for x in at.success)
    values = {m.label: m.value for m in at.metric}
    assert values["Epochs finished"] == "2/2" and values["Best test accuracy"] == f"{best:.3f}"
    assert at.multiselect(key="tr_cmp").value == [run.id]
    assert any("metric points logged" in c.value for c in at.caption)


def test_failed_and_interrupted_runs_show_their_reason_and_offer_resume():
    s = Store()
    failed = s.create("f", presets.get("torchvision").spec.to_dict(), TrainConfig().to_dict(), "cpu")
    s.finish(failed, "failed", "loss became NaN/inf at epoch 1, step 3")
    lost = s.create("i", presets.get("torchvision").spec.to_dict(), TrainConfig(epochs=5).to_dict(), "cpu",
                    status="running", pid=2**22 + 12345)  # no such process
    s.update(lost, epochs_done=2)
    at = app_test(PAGE)  # the page's recovery marks the dead run interrupted
    no_errors(at)
    assert s.get(lost).status == "interrupted"
    assert "2 finished epoch(s) kept" in at.warning[0].value
    at.button(key=f"tr_resume_{lost}").click().run()
    assert s.get(lost).status == "queued" and s.get(lost).resume and s.get(lost).epochs_done == 2
    at.selectbox(key="tr_selected").set_value(failed).run()
    assert "NaN" in at.error[0].value


def test_bad_setting_is_one_line_error_not_a_traceback():
    at = app_test(PAGE)
    at.selectbox(key="tr_dataset").set_value("folder").run()
    at.text_input(key="tr_folder").input("../../etc").run()
    at.button(key="tr_start").click().run()
    no_errors(at)
    assert "outside" in at.error[0].value and Store().list() == []
    assert any("outside" in i.value for i in at.info)  # the preview says so too


def test_compare_marks_each_runs_best_epoch():
    a = {"epoch/test_acc": [(1, 0.5, 0), (2, 0.8, 0), (3, 0.7, 0)]}
    b = {"epoch/test_acc": [(1, 0.6, 0), (2, 0.6, 0)]}
    fig = plots_train.compare_runs([("a", a), ("b", b)])
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert [(t.x[0], t.y[0]) for t in stars] == [(2, 0.8), (1, 0.6)]  # ties: the earliest epoch
    curves = plots_train.run_curves({"step/train_loss": [(5, 2.0, 0), (10, 1.5, 0)],
                                     "epoch/test_acc": [(1, 0.4, 0)]}, steps_per_epoch=10)
    assert list(curves.data[0].x) == [0.5, 1.0] and curves.data[1].name == "test acc"


def test_augment_grid_draws_every_image():
    x = torch.rand(10, 1, 16, 16)
    fig = plots_train.augment_grid(x, [str(i) for i in range(10)], cols=4)
    z = fig.data[0].z
    assert len(z) == 3 * 18 and len(z[0]) == 4 * 18 and len(fig.layout.annotations) == 10


def test_an_over_budget_run_is_refused_at_start_with_the_clis_sentence():
    at = app_test(PAGE)
    at.selectbox(key="tr_spec").set_value("torchvision").run()
    at.number_input(key="tr_input_size").set_value(1024).run()
    at.number_input(key="tr_width").set_value(4.0).run()
    at.button(key="tr_start").click().run()
    no_errors(at)
    cfg = TrainConfig(input_size=1024, width=4.0, batch_size=at.number_input(key="tr_batch_size").value)
    sentence = cfg.budget_problem(presets.get("torchvision").spec)
    assert sentence and sentence in [e.value for e in at.error]
    assert Store().list() == []  # nothing queued for a worker to fail on later


def _others_queue(n: int) -> list[int]:
    """Runs queued by other people (straight into the store, as another session's Start would)."""
    s = Store()
    return [s.create(f"other {i}", presets.get("torchvision").spec.to_dict(), TrainConfig().to_dict(), "cpu")
            for i in range(n)]


def test_start_keeps_to_the_per_person_queue_limit_and_a_finished_run_frees_a_place():
    at = app_test(PAGE)
    at.selectbox(key="tr_preset").set_value("cpu_digits_adam_lr0.01").run()
    for _ in range(limits.MAX_QUEUED_PER_SESSION):
        at.button(key="tr_start").click().run()
        no_errors(at)
        assert not at.error
    mine = [r.id for r in Store().list()]
    assert len(mine) == limits.MAX_QUEUED_PER_SESSION
    at.button(key="tr_start").click().run()
    no_errors(at)
    assert len(at.error) == 1 and f"at most {limits.MAX_QUEUED_PER_SESSION} per person" in at.error[0].value
    assert len(Store().list()) == limits.MAX_QUEUED_PER_SESSION  # queued nothing
    Store().finish(mine[0], "cancelled")
    at.button(key="tr_start").click().run()
    assert not at.error and len(Store().list()) == limits.MAX_QUEUED_PER_SESSION + 1


def test_start_keeps_to_the_servers_queue_limit():
    _others_queue(limits.MAX_QUEUED_TOTAL)
    at = app_test(PAGE)
    at.button(key="tr_start").click().run()
    no_errors(at)
    assert "limit for everyone" in at.error[0].value and "\n" not in at.error[0].value
    assert len(Store().list()) == limits.MAX_QUEUED_TOTAL


def test_the_tours_start_goes_through_the_same_queue_limits():
    others = _others_queue(limits.MAX_QUEUED_TOTAL - 1)  # room for one of the tour's two runs
    at = app_test("pages/tour.py", {"step": "11"})
    at.button(key="tour_try_11").click().run()
    no_errors(at)
    assert any("limit for everyone" in e.value for e in at.error)
    active = Store().list(["queued", "running"])
    assert len(active) == limits.MAX_QUEUED_TOTAL
    (started,) = [r.id for r in active if r.id not in others]
    assert at.session_state["tour_runs"] == [started]  # the run that did queue stays on the step


def _live_run_panel(run_id: int) -> None:
    from ui.training import panel

    panel.run_panel(run_id, True)


def test_the_live_view_of_a_queued_run_asks_for_a_worker(monkeypatch):
    """The live refresh redraws only the run panel, never the page top that kicks the backend: while its run
    waits, the panel itself asks for a worker, so a worker lost as the run came is replaced without a reload."""
    from streamlit.testing.v1 import AppTest

    from ui.training import panel

    asked: list[int] = []
    monkeypatch.setenv("ALEXNET_LAUNCHER", "on")
    monkeypatch.setattr(panel, "backend", lambda: SimpleNamespace(ensure=lambda: asked.append(1)))
    monkeypatch.setattr(panel, "_last_kick", [0.0])  # no kick of an earlier test counts against this one
    rid = Store().create("waits", presets.get("torchvision").spec.to_dict(), TrainConfig().to_dict(), "cpu")
    at = AppTest.from_function(_live_run_panel, args=(rid,), default_timeout=60).run()
    no_errors(at)
    assert "Queued for cpu" in at.get("progress")[0].proto.text
    assert asked == [1]
    at.run()  # refreshed again at once: at most one kick per KICK_EVERY_S for the whole server
    assert asked == [1]
