// The experiments.db schema as an ordered list of migrations; PRAGMA user_version records how many ran.
// Append new migrations; never edit one that has shipped. docs/store.md documents the result.

export const MIGRATIONS: readonly string[] = [
  // 1: experiments, runs, params, metrics, checkpoints, artifacts
  `
  CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
  );
  CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    config_hash   TEXT NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 1,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'interrupted')),
    config_json   TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    run_dir       TEXT NOT NULL,
    git_commit    TEXT,
    git_dirty     INTEGER,
    versions_json TEXT,
    backend       TEXT,
    host          TEXT,
    pid           INTEGER,
    phase         TEXT,
    step          INTEGER,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    ended_at      TEXT,
    heartbeat_at  TEXT,
    error         TEXT
  );
  CREATE INDEX runs_by_hash ON runs(config_hash, attempt);
  CREATE TABLE params (
    run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT,
    PRIMARY KEY (run_id, key)
  );
  CREATE TABLE metrics (
    run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    phase     TEXT NOT NULL,
    key       TEXT NOT NULL,
    step      INTEGER NOT NULL,
    value     REAL NOT NULL,
    wall_time REAL NOT NULL
  );
  CREATE INDEX metrics_by_run ON metrics(run_id, key, step);
  CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    phase      TEXT NOT NULL,
    step       INTEGER NOT NULL,
    path       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX checkpoints_by_run ON checkpoints(run_id, phase, step);
  CREATE TABLE artifacts (
    id         INTEGER PRIMARY KEY,
    run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    phase      TEXT,
    step       INTEGER,
    kind       TEXT NOT NULL,
    path       TEXT NOT NULL,
    sha256     TEXT,
    bytes      INTEGER,
    created_at TEXT NOT NULL
  );
  `,
  // 2: evaluation protocols; every evaluation metric links to the protocol that produced it
  `
  CREATE TABLE protocols (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    evaluator       TEXT NOT NULL,
    weights_sha256  TEXT NOT NULL,
    n_generated     INTEGER NOT NULL,
    n_real          INTEGER NOT NULL,
    resolution      INTEGER NOT NULL,
    split           TEXT NOT NULL,
    seed            INTEGER NOT NULL,
    details_json    TEXT NOT NULL,
    created_at      TEXT NOT NULL
  );
  ALTER TABLE metrics ADD COLUMN protocol_id INTEGER REFERENCES protocols(id);
  `,
  // 3: sweeps and their cells; a cell is claimed by one worker at a time (status, pid, host, heartbeat)
  `
  CREATE TABLE sweeps (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    file        TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    spec_json   TEXT NOT NULL,
    axes_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE TABLE sweep_cells (
    sweep_id         INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    idx              INTEGER NOT NULL,
    key              TEXT NOT NULL,
    assignment_json  TEXT NOT NULL,
    config_hash      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('new', 'running', 'completed', 'failed')),
    run_id           TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    pid              INTEGER,
    host             TEXT,
    heartbeat_at     TEXT,
    error            TEXT,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (sweep_id, idx),
    UNIQUE (sweep_id, key)
  );
  `,
  // 4: every failed attempt of a sweep cell, so a coordinator that polls reports each one, even when a retry
  // overwrote sweep_cells.error before the next poll
  `
  CREATE TABLE sweep_failures (
    id        INTEGER PRIMARY KEY,
    sweep_id  INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    attempt   INTEGER NOT NULL,
    error     TEXT NOT NULL,
    at        TEXT NOT NULL
  );
  CREATE INDEX sweep_failures_by_sweep ON sweep_failures(sweep_id, id);
  `,
];
