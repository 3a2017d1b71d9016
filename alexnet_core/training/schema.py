"""The runs file's tables, and the migrations that bring an older file up to them."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    device TEXT NOT NULL,
    config TEXT NOT NULL,
    spec TEXT NOT NULL,
    created REAL NOT NULL,
    started REAL, finished REAL, heartbeat REAL,
    pid INTEGER,
    reason TEXT,
    progress REAL NOT NULL DEFAULT 0,
    eta_s REAL,
    epochs_done INTEGER NOT NULL DEFAULT 0,
    info TEXT,
    cancel INTEGER NOT NULL DEFAULT 0,
    resume INTEGER NOT NULL DEFAULT 0,
    backend TEXT NOT NULL DEFAULT 'local',
    pid_start INTEGER
);
CREATE TABLE IF NOT EXISTS metrics (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    wall_time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run, epoch)
);
CREATE INDEX IF NOT EXISTS metrics_run_key ON metrics(run, key, step);
CREATE INDEX IF NOT EXISTS runs_status ON runs(status, device);
"""

# Columns added after the first release: (name, definition). An older file gets them on open.
_ADDED = (("backend", "TEXT NOT NULL DEFAULT 'local'"), ("pid_start", "INTEGER"))


def migrate(db: sqlite3.Connection) -> None:
    """Create what is missing; add the later columns to an older file's runs table."""
    db.executescript(SCHEMA)
    have = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    for name, definition in _ADDED:
        if name not in have:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {definition}")
