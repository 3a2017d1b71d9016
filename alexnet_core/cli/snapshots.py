"""``runs --snapshots RUN --out DIR``: one PNG per stored epoch snapshot of a run."""

from __future__ import annotations

from pathlib import Path

from alexnet_core.cli import CliError
from alexnet_core.figures.training import snapshot_png
from alexnet_core.training.snapshots import decode
from alexnet_core.training.store import Store


def png_name(run_id: int, epoch: int) -> str:
    return f"run_{run_id:05d}_epoch_{epoch:04d}.png"


def export_snapshots(store: Store, run_id: int, out: Path | None) -> list[Path]:
    """Write each epoch's snapshot of ``run_id`` as a PNG into ``out``; the paths written, in epoch order."""
    run = store.get(run_id)  # KeyError "no run #N": one line, exit 2
    epochs = store.snapshot_epochs(run_id)
    if not epochs:
        raise CliError(f"run #{run_id} has no snapshots (it kept none, or it was trained before snapshots existed)")
    if out is None:
        raise CliError("--snapshots needs --out DIR: the folder to write one PNG per epoch into")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot make the folder {out}: {exc.strerror or exc}") from None
    written = []
    for epoch in epochs:
        snap = decode(store.snapshot(run_id, epoch))
        title = f"run #{run_id} {run.label} - epoch {epoch}: conv1 filters | {snap.layer} maps of the probe (top {len(snap.maps)})"
        path = out / png_name(run_id, epoch)
        try:
            path.write_bytes(snapshot_png(snap, title))
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written
