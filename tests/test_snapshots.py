"""Watch it learn: per-epoch snapshots (conv1 + the probe's maps) taken, encoded, stored with each
epoch's commit, carried over the Ray stream, drawn, and exported by the CLI."""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from alexnet_core.arch.build import build_model
from alexnet_core.cli import main
from alexnet_core.figures import training as plots
from alexnet_core.inside import activations as A
from alexnet_core.spec import presets
from alexnet_core.training import snapshots as S
from alexnet_core.training.jobs import run_job, submit
from alexnet_core.training.loop import TrainConfig, prepare_run
from alexnet_core.training.store import Store
from alexnet_core.weights.checkpoint import load_checkpoint

SPEC = presets.get("torchvision").spec
TINY = TrainConfig(epochs=2, width=0.125, input_size=64, batch_size=64, train_limit=128, test_limit=32, device="cpu")


def _finished_run(cfg: TrainConfig = TINY) -> tuple[Store, int]:
    s = Store()
    rid = submit(s, SPEC, cfg, "snap")
    assert run_job(s, s.claim_next("cpu", os.getpid())) == "done", s.get(rid).reason
    return s, rid


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to float16 precision, relative to the arrays' own magnitude."""
    return bool(np.allclose(a.astype(np.float32), b.astype(np.float32), rtol=2e-3, atol=2e-3 * float(np.abs(b).max())))


def test_take_keeps_conv1_and_the_top_maps_downsampled_as_the_inside_grid_and_leaves_the_model_alone():
    from ui.inside.views import MAP_SIDE as INSIDE_SIDE

    assert S.MAP_SIDE == INSIDE_SIDE  # the snapshot's tiles are the Inside grid's
    model = build_model(SPEC, seed=3).train()
    x = torch.randn(1, 3, 224, 224)
    rng = torch.random.get_rng_state()
    snap = S.take(model, x, epoch=0)
    assert model.training and torch.equal(rng, torch.random.get_rng_state())  # no mode change, no RNG drawn
    conv1 = A.capture(build_model(SPEC, seed=3), x).outputs["conv1"]
    assert snap.channels == tuple(A.top_channels(conv1, 16)) and snap.map_shape == tuple(conv1.shape)
    assert snap.maps.shape == (16, *A.downsample(conv1[:1], S.MAP_SIDE).shape[-2:])
    assert max(snap.maps.shape[-2:]) <= S.MAP_SIDE < max(conv1.shape[-2:])
    assert _close(snap.filters, model.features[0].weight.detach().numpy())
    assert snap.filters.dtype == np.float16 and snap.maps.dtype == np.float16


def test_a_full_width_snapshot_is_at_most_1_mb_and_decodes_to_what_was_encoded():
    snap = S.take(build_model(SPEC, seed=0), torch.randn(1, 3, 224, 224), epoch=5)
    data = S.encode(snap)
    assert len(data) <= 1_000_000
    back = S.decode(data)
    assert (back.epoch, back.layer, back.channels, back.map_shape) == (5, "conv1", snap.channels, snap.map_shape)
    assert np.array_equal(back.filters, snap.filters) and np.array_equal(back.maps, snap.maps)


def _zipped(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item))
    return out.getvalue()


def test_decode_refuses_what_is_not_a_snapshot_with_one_sentence():
    good = S.encode(S.take(build_model(SPEC, seed=0), torch.randn(1, 3, 64, 64), epoch=0))
    for bad in (b"", b"not a zip", good[: len(good) // 2], _zipped(good), b"x" * (S.MAX_SNAPSHOT_BYTES + 1)):
        with pytest.raises(S.SnapshotError) as err:
            S.decode(bad)
        assert "\n" not in str(err.value) and "snapshot" in str(err.value)


def test_every_epoch_and_epoch_0_are_stored_and_match_the_model_at_that_point():
    s, rid = _finished_run()
    assert s.snapshot_epochs(rid) == [0, 1, 2]
    first, last = S.decode(s.snapshot(rid, 0)), S.decode(s.snapshot(rid, 2))
    assert [S.decode(s.snapshot(rid, e)).epoch for e in (0, 1, 2)] == [0, 1, 2]
    run = s.get(rid)
    p = prepare_run(SPEC, TINY)
    init = build_model(p.spec, seed=TINY.seed)  # epoch 0: the untrained network, before any step
    assert _close(first.filters, init.features[0].weight.detach().numpy())
    trained = load_checkpoint(s.checkpoint_path(rid))
    model = build_model(trained.spec)
    model.load_state_dict(trained.state)
    assert _close(last.filters, model.features[0].weight.detach().numpy())
    assert not np.array_equal(first.filters, last.filters)  # it learned something
    probe = S.probe(p.test, TINY.input_size, mean=p.mean, std=p.std, channels=p.spec.in_channels)
    again = S.take(model, probe, epoch=2)  # the probe is the test split's first image
    assert again.channels == last.channels and _close(last.maps, again.maps)
    assert run.config["snapshot_layer"] == "conv1"


def test_another_layer_and_no_snapshots_and_a_bad_layer():
    s, rid = _finished_run(TrainConfig(**{**TINY.to_dict(), "epochs": 1, "snapshot_layer": "pool2"}))
    snap = S.decode(s.snapshot(rid, 1))
    assert snap.layer == "pool2" and snap.map_shape[0] >= len(snap.channels) > 0
    s, none = _finished_run(TrainConfig(**{**TINY.to_dict(), "epochs": 1, "snapshot_layer": ""}))
    assert s.snapshot_epochs(none) == [] and s.get(none).epochs_done == 1
    bad = submit(s, SPEC, TrainConfig(**{**TINY.to_dict(), "snapshot_layer": "conv99"}), "bad")
    assert run_job(s, s.claim_next("cpu", os.getpid())) == "failed"
    reason = s.get(bad).reason
    assert "conv99" in reason and "conv1" in reason and "\n" not in reason and s.get(bad).epochs_done == 0


def test_a_snapshot_goes_in_with_its_epochs_metrics_or_neither_does():
    s = Store()
    rid = s.create("x", SPEC.to_dict(), TINY.to_dict(), "cpu")
    with pytest.raises(Exception):  # noqa: B017 - sqlite cannot bind it: the transaction is abandoned
        s.commit_epoch(rid, 1, [("epoch/test_acc", 1, 0.5)], snapshot=object())  # type: ignore[arg-type]
    assert s.metrics(rid) == {} and s.get(rid).epochs_done == 0 and s.snapshot_epochs(rid) == []
    s.keep_start_snapshot(rid, 0, b"start")
    s.commit_epoch(rid, 1, [("epoch/test_acc", 1, 0.5)], snapshot=b"one")
    s.commit_epoch(rid, 2, [("epoch/test_acc", 2, 0.6)], snapshot=b"two")
    s.keep_start_snapshot(rid, 2, b"resumed")  # a resume from epoch 2 keeps the committed one
    assert s.snapshot(rid, 2) == b"two" and s.snapshot_epochs(rid) == [0, 1, 2]
    s.truncate(rid, 1, 0)  # resuming after epoch 1 drops later epochs' rows and snapshots alike
    assert s.snapshot_epochs(rid) == [0, 1]
    s.requeue(rid, resume=False)  # a rerun starts over
    assert s.snapshot_epochs(rid) == []
    with pytest.raises(KeyError, match="no snapshot at epoch 3"):
        s.snapshot(rid, 3)


def test_the_ray_stream_carries_each_snapshot_before_its_epoch_and_follow_stores_them(monkeypatch):
    pytest.importorskip("ray")
    from alexnet_core.training import ray_backend
    from alexnet_core.training.ray_task import stream_run

    s = Store()
    rid = submit(s, SPEC, TINY, "ray-ish")
    run = s.claim_next("cpu", os.getpid())
    events = list(stream_run(run, 0, None, 1))
    kinds = [e["kind"] for e in events]
    assert kinds.index("snapshot") < kinds.index("step")  # epoch 0 before the first step
    for epoch in (1, 2):
        at = next(i for i, e in enumerate(events) if e["kind"] == "epoch" and e["epoch"] == epoch)
        assert events[at - 1]["kind"] == "snapshot" and events[at - 1]["epoch"] == epoch
    monkeypatch.setattr(ray_backend.ray, "get", lambda event: event)  # the events themselves stand in for refs
    try:
        assert ray_backend.follow(s, run, iter(events)) == "done"
    finally:  # follow's ray calls may start a local Ray; the Ray tests start their own
        if ray_backend.ray.is_initialized():
            ray_backend.ray.shutdown()
    assert s.snapshot_epochs(rid) == [0, 1, 2]
    assert S.decode(s.snapshot(rid, 2)).filters.shape == (8, 3, 11, 11)


def test_figures_mark_the_epoch_and_draw_filters_and_maps():
    s, rid = _finished_run(TrainConfig(**{**TINY.to_dict(), "epochs": 1}))
    snap = S.decode(s.snapshot(rid, 1))
    fig = plots.run_curves(s.metrics(rid), s.get(rid).info.get("steps_per_epoch"), mark_epoch=1)
    marks = [sh for sh in fig.layout.shapes if sh.type == "line"]
    assert {(m.x0, m.xref) for m in marks} == {(1, "x"), (1, "x2")}
    assert not plots.run_curves(s.metrics(rid), 1).layout.shapes
    grid = plots.snapshot_maps(snap)
    assert [t.body for t in grid.items if getattr(t, "body", "").startswith("ch ")] == [f"ch {c}" for c in snap.channels]
    tiles = plots.snapshot_filters(snap)
    assert tiles.dtype == np.uint8 and tiles.ndim == 3 and tiles.std() > 0
    png = Image.open(io.BytesIO(plots.snapshot_png(snap, "t")))
    assert png.width > tiles.shape[1] and png.height >= tiles.shape[0]


def test_cli_runs_snapshots_writes_a_png_per_epoch_and_refuses_with_one_line(tmp_path, capsys):
    s, rid = _finished_run()
    out = tmp_path / "pngs"
    assert main(["runs", "--snapshots", str(rid), "--out", str(out)]) == 0
    files = sorted(out.glob("*.png"))
    assert [f.name for f in files] == [f"run_{rid:05d}_epoch_{e:04d}.png" for e in (0, 1, 2)]
    assert all(Image.open(f).size[0] > 0 for f in files)
    empty = s.create("never trained", SPEC.to_dict(), TINY.to_dict(), "cpu")
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    for argv, needle in (([str(rid + 99), str(out)], "no run"), ([str(empty), str(out)], "no snapshots"),
                         ([str(rid), str(blocker / "sub")], "cannot make the folder")):
        capsys.readouterr()
        assert main(["runs", "--snapshots", argv[0], "--out", argv[1]]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_killed_worker_keeps_a_snapshot_for_exactly_the_epochs_it_kept_and_resume_completes_them():
    import signal

    from alexnet_core.paths import runs_dir
    from alexnet_core.training.jobs import Launcher
    from tests.test_train_jobs import wait_for

    s = Store()
    rid = submit(s, SPEC, TrainConfig(**{**TINY.to_dict(), "epochs": 60}), "victim")
    launcher = Launcher(runs_dir(), "cpu", idle_exit_s=20)
    launcher.ensure()
    try:
        wait_for(lambda: s.get(rid).epochs_done >= 2, what="two finished epochs")
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.process.join(10)
        s.recover()
        kept = s.get(rid).epochs_done
        assert s.snapshot_epochs(rid) == list(range(kept + 1))  # epoch 0 and one per kept epoch, no more
        s.requeue(rid, resume=True)
        launcher.ensure()
        wait_for(lambda: s.get(rid).epochs_done >= kept + 1, what="a resumed epoch")
        s.request_cancel(rid)
        wait_for(lambda: s.get(rid).status == "cancelled", 60, "the cancel")
        assert s.snapshot_epochs(rid) == list(range(s.get(rid).epochs_done + 1))
    finally:
        launcher.stop()


def test_a_kill_between_the_files_and_the_row_still_leaves_a_snapshot_for_every_kept_epoch():
    s, rid = _finished_run()
    with s._db() as db:  # as if killed after epoch 2's files were written, before its row
        db.execute("DELETE FROM metrics WHERE run=? AND step=2 AND key LIKE 'epoch/%'", (rid,))
        db.execute("DELETE FROM snapshots WHERE run=? AND epoch=2", (rid,))
        db.execute("UPDATE runs SET epochs_done=1, config=? WHERE id=?",
                   (json.dumps({**TINY.to_dict(), "epochs": 3}), rid))
    s.finish(rid, "interrupted", "killed")
    s.requeue(rid, resume=True)
    assert run_job(s, s.claim_next("cpu", os.getpid())) == "done", s.get(rid).reason
    assert s.snapshot_epochs(rid) == [0, 1, 2, 3]  # epoch 2's came from the resumed model, before its first step
    assert [S.decode(s.snapshot(rid, e)).epoch for e in (2, 3)] == [2, 3]


def test_the_marked_curve_keeps_epoch_0_in_view():
    fig = plots.run_curves({"epoch/test_acc": [(1, 0.5, 0.0), (2, 0.6, 0.0)]}, 1, mark_epoch=2)
    assert list(fig.layout.xaxis.autorangeoptions.include) == [0] == list(fig.layout.xaxis2.autorangeoptions.include)


def test_layer_choices_are_the_layers_with_maps():
    choices = S.layer_choices(SPEC)
    assert choices[0] == "conv1" and {"pool2", "relu5", "avgpool"} <= set(choices)
    assert not {c for c in choices if c.startswith(("fc", "drop"))} and "flatten" not in choices


def test_page_form_picks_the_snapshot_layer_and_the_run_view_slides_over_epochs(monkeypatch):
    from tests.helpers import app_test

    monkeypatch.setenv("ALEXNET_LAUNCHER", "off")
    s, rid = _finished_run()
    at = app_test("pages/training.py")
    assert not at.exception, [e.value for e in at.exception]
    layer = at.selectbox(key="tr_snapshot_layer")
    assert layer.value == "conv1" and "pool2" in layer.options and "none" in layer.options
    slider = at.select_slider(key=f"tr_snap_epoch_{rid}")
    assert slider.value == 2  # follows the newest epoch
    assert any("conv1 filters at epoch 2" in m.value for m in at.markdown)
    slider.set_value(0).run()
    assert not at.exception and any("conv1 filters at epoch 0" in m.value for m in at.markdown)
    layer.set_value("pool2").run()
    at.button(key="tr_start").click().run()
    assert not at.exception
    assert Store().list()[0].config["snapshot_layer"] == "pool2"
