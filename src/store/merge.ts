// Merges per-node SQLite stores into one: runs (with params, metrics, checkpoints, artifacts and their folders),
// protocols and sweeps, so that a sweep split across machines reports as if one store had run it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import {ScgError} from '../errors';
import {MIGRATIONS} from './migrations';
import {isServerStore, type SqlDb} from './sql';
import type {RunRow} from './store';
import {Store} from './store';
import type {CellRow, CellStatus, FailureRow, SweepRow} from './sweeps';

export interface MergeOptions {
  /** Refuse (and write nothing) when a run is in two stores with different results, instead of keeping both. */
  strict: boolean;
}

/** What one source added to the target. */
export interface MergeSummary {
  source: string;
  /** Runs new to the target. */
  added: number;
  /** Runs the target already had from the same execution, replaced by the source's later record. */
  updated: number;
  /** Runs the target already held exactly. */
  same: number;
  /** Runs of the same config and attempt run separately with other results: kept as a new attempt. */
  conflicts: {id: string; keptAs: string}[];
  /** Sweep cells the source had further along than the target. */
  cells: number;
  /** Runs whose folder was not next to the source store (rows kept with their recorded paths). */
  missingFolders: string[];
}

const CELL_RANK: Record<CellStatus, number> = {new: 0, running: 1, failed: 2, completed: 3};

/**
 * Merges every source into the store `into` (an SQLite file, created when missing, or a PostgreSQL URL) in one
 * transaction: a refusal (a `--strict` conflict, a sweep of another spec) leaves the target as it was, and a target
 * file it created is removed.
 */
export function mergeStores(sources: readonly string[], into: string, opts: MergeOptions): MergeSummary[] {
  const target = isServerStore(into) ? into : path.resolve(into);
  const files = sources.map((s) => path.resolve(s));
  for (const file of files) {
    if (file === target) throw new ScgError('BAD_INPUT', `${file} is both a source and the target of the merge`);
  }
  if (new Set(files).size !== files.length) throw new ScgError('BAD_INPUT', 'a source store is named twice');
  const opened: Source[] = [];
  const copied: string[] = [];
  const created = !isServerStore(target) && !fs.existsSync(target);
  let store: Store | undefined;
  try {
    for (const file of files) opened.push(openSource(file)); // every source is checked before the target is touched
    store = Store.open(target);
    const into = store;
    return into.db.transaction(() => opened.map((source) => mergeOne(into, source, opts, copied))).immediate();
  } catch (err) {
    for (const dir of copied) fs.rmSync(dir, {recursive: true, force: true}); // the rows that named them are gone
    store?.close();
    store = undefined;
    if (created) for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, {force: true});
    throw err;
  } finally {
    for (const source of opened) source.close();
    store?.close();
  }
}

interface Source {
  file: string;
  db: Database.Database;
  runsRoot: string;
  close(): void;
}

/**
 * Opens a source store read-only after checking it is one: an scg schema this scg knows. A store from an older
 * scg is migrated in a temporary copy, never in place.
 */
function openSource(file: string): Source {
  if (!fs.existsSync(file)) throw new ScgError('NOT_FOUND', `no store at ${file}`, {hint: 'check the path'});
  const notScg = (why: string) =>
    new ScgError('BAD_INPUT', `${file} is not an scg store (${why})`, {
      hint: 'pass experiments.db files written by scg run or scg ablate',
    });
  let db: Database.Database;
  let version: number;
  try {
    db = new Database(file, {readonly: true, fileMustExist: true});
    version = db.pragma('user_version', {simple: true}) as number;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {name: string}[];
    if (!tables.some((t) => t.name === 'runs')) {
      db.close();
      throw notScg('it has no runs table');
    }
  } catch (err) {
    if (err instanceof ScgError) throw err;
    throw notScg((err as Error).message);
  }
  const runsRoot = path.join(path.dirname(file), 'runs');
  if (version > MIGRATIONS.length) {
    db.close();
    throw new ScgError(
      'BAD_INPUT',
      `${file} has schema version ${version}, newer than this scg (${MIGRATIONS.length})`,
      {hint: 'merge with the scg that wrote it, or upgrade this one'},
    );
  }
  if (version === MIGRATIONS.length) return {file, db, runsRoot, close: () => db.close()};
  db.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-merge-'));
  const copy = path.join(dir, 'source.db');
  fs.copyFileSync(file, copy);
  Store.open(copy).close();
  const migrated = new Database(copy, {readonly: true});
  return {
    file,
    db: migrated,
    runsRoot,
    close: () => {
      migrated.close();
      fs.rmSync(dir, {recursive: true, force: true});
    },
  };
}

type Row = Record<string, unknown>;

/** Inserts a row read from a source table of the same schema version into the target's table of that name. */
function insertRow(store: Store, table: 'runs' | 'sweeps', row: Row): void {
  const keys = Object.keys(row);
  store.db
    .prepare(`INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`)
    .run(row);
}

function mergeOne(store: Store, source: Source, opts: MergeOptions, copied: string[]): MergeSummary {
  const summary: MergeSummary = {
    source: source.file,
    added: 0,
    updated: 0,
    same: 0,
    conflicts: [],
    cells: 0,
    missingFolders: [],
  };
  const protocols = mergeProtocols(store, source);
  const renamed = new Map<string, string>();
  const runs = source.db
    .prepare(
      'SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id ORDER BY runs.created_at, runs.id',
    )
    .all() as RunRow[];
  for (const run of runs) {
    const id = mergeRun(store, source, run, protocols, summary, opts, copied);
    if (id !== run.id) renamed.set(run.id, id);
  }
  summary.cells = mergeSweeps(store, source, renamed);
  return summary;
}

/** Source protocol id → target protocol id, inserting the protocols the target lacks (identity: `key`). */
function mergeProtocols(store: Store, source: Source): Map<number, number> {
  const map = new Map<number, number>();
  const insert = store.db.prepare(`INSERT INTO protocols (key, evaluator, weights_sha256, n_generated, n_real,
    resolution, split, seed, details_json, created_at) VALUES (@key, @evaluator, @weights_sha256, @n_generated, @n_real,
    @resolution, @split, @seed, @details_json, @created_at) ON CONFLICT DO NOTHING`);
  const find = store.db.prepare('SELECT id FROM protocols WHERE key = ?');
  for (const p of source.db.prepare('SELECT * FROM protocols').all() as Row[]) {
    insert.run(p);
    map.set(p['id'] as number, (find.get(p['key']) as {id: number}).id);
  }
  return map;
}

/** One run's results, for telling the same record from another run of the same config. */
function fingerprint(db: SqlDb, run: RunRow): string {
  const metrics = db
    .prepare(
      `SELECT metrics.phase, metrics.key, metrics.step, metrics.value, protocols.key AS protocol FROM metrics
       LEFT JOIN protocols ON protocols.id = metrics.protocol_id WHERE run_id = ? ORDER BY 1, 2, 3, 5, 4`,
    )
    .all(run.id);
  const checkpoints = db
    .prepare('SELECT phase, step, sha256 FROM checkpoints WHERE run_id = ? ORDER BY phase, step, sha256')
    .all(run.id);
  return JSON.stringify([run.status, run.phase, run.step, run.error, metrics, checkpoints]);
}

/** When a run's record was last written: its end, else its last heartbeat (ISO times compare as strings). */
function lastSeen(r: RunRow): string {
  return r.ended_at ?? r.heartbeat_at ?? r.started_at ?? r.created_at;
}

/** The same execution: one process on one host started it at one moment. */
function sameExecution(a: RunRow, b: RunRow): boolean {
  return a.host === b.host && a.pid === b.pid && a.created_at === b.created_at && a.config_hash === b.config_hash;
}

/** Copies one run; returns the id it has in the target. */
function mergeRun(
  store: Store,
  source: Source,
  run: RunRow,
  protocols: Map<number, number>,
  summary: MergeSummary,
  opts: MergeOptions,
  copied: string[],
): string {
  const siblings = store.db
    .prepare(
      'SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE config_hash = ? ORDER BY attempt',
    )
    .all(run.config_hash) as RunRow[];
  const mine = fingerprint(source.db, run);
  const twin = siblings.find((t) => sameExecution(t, run));
  if (twin) {
    if (fingerprint(store.db, twin) === mine || lastSeen(run) <= lastSeen(twin)) {
      summary.same++; // the target holds this record, or a later one of the same execution
      return twin.id;
    }
    store.db.prepare('DELETE FROM runs WHERE id = ?').run(twin.id); // its params, metrics and files rows go with it
    const as = {id: twin.id, attempt: twin.attempt, replacing: path.resolve(store.artifactsRoot, twin.run_dir)};
    copyRun(store, source, run, as, protocols, summary, copied);
    summary.updated++;
    return twin.id;
  }
  const equal = siblings.find((t) => fingerprint(store.db, t) === mine);
  if (equal) {
    summary.same++; // another execution with the very same results (a deterministic rerun): nothing to add
    return equal.id;
  }
  const taken = siblings.find((t) => t.id === run.id);
  if (!taken) {
    copyRun(store, source, run, {id: run.id, attempt: run.attempt}, protocols, summary, copied);
    summary.added++;
    return run.id;
  }
  if (opts.strict) {
    throw new ScgError(
      'BAD_INPUT',
      `run ${run.id} (${run.experiment}) is in ${source.file} and in the target with different results (host ${run.host} vs ${taken.host}, started ${run.created_at} vs ${taken.created_at})`,
      {hint: 'nothing was merged; drop --strict to keep both, the second as a new attempt'},
    );
  }
  const attempt = Math.max(...siblings.map((s) => s.attempt)) + 1;
  const id = `${run.config_hash}-${attempt}`;
  copyRun(store, source, run, {id, attempt}, protocols, summary, copied);
  summary.conflicts.push({id: run.id, keptAs: id});
  return id;
}

/**
 * Inserts a run's rows under `as.id`, and its folder when it lies next to the source store. `replacing`: the folder
 * of the target's earlier record of the same execution, which this one updates in place.
 */
function copyRun(
  store: Store,
  source: Source,
  run: RunRow,
  as: {id: string; attempt: number; replacing?: string},
  protocols: Map<number, number>,
  summary: MergeSummary,
  copied: string[],
): void {
  const from = path.join(source.runsRoot, run.id);
  const found = fs.existsSync(from);
  const dir = found ? path.join(store.runsRoot(), as.id) : (as.replacing ?? run.run_dir);
  const moved = (p: string) => (p.startsWith(run.run_dir) ? dir + p.slice(run.run_dir.length) : p);
  if (found) {
    if (as.replacing !== undefined)
      fs.cpSync(from, dir, {recursive: true, force: true}); // the same execution, recorded later
    else if (fs.existsSync(dir)) {
      throw new ScgError('BAD_INPUT', `${dir} exists but the target store has no run ${as.id}`, {
        hint: 'move that folder away (it belongs to no recorded run), then merge again',
      });
    } else {
      fs.cpSync(from, dir, {recursive: true});
      copied.push(dir);
    }
  } else summary.missingFolders.push(run.id);
  store.db
    .prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
    .run(run.experiment, run.created_at);
  const experimentId = (
    store.db.prepare('SELECT id FROM experiments WHERE name = ?').get(run.experiment) as {id: number}
  ).id;
  const {experiment: _, ...row} = run;
  insertRow(store, 'runs', {...row, id: as.id, attempt: as.attempt, experiment_id: experimentId, run_dir: dir});
  const rows = (sql: string) => source.db.prepare(sql).all(run.id) as Row[];
  const insertParam = store.db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)');
  for (const p of rows('SELECT key, value FROM params WHERE run_id = ?')) insertParam.run(as.id, p['key'], p['value']);
  const insertMetric = store.db.prepare(
    'INSERT INTO metrics (run_id, phase, key, step, value, wall_time, protocol_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const m of rows('SELECT * FROM metrics WHERE run_id = ? ORDER BY rowid')) {
    const protocol = m['protocol_id'] === null ? null : (protocols.get(m['protocol_id'] as number) ?? null);
    insertMetric.run(as.id, m['phase'], m['key'], m['step'], m['value'], m['wall_time'], protocol);
  }
  const insertCheckpoint = store.db.prepare(
    'INSERT INTO checkpoints (run_id, phase, step, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const c of rows('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY id'))
    insertCheckpoint.run(
      as.id,
      c['phase'],
      c['step'],
      moved(c['path'] as string),
      c['sha256'],
      c['bytes'],
      c['created_at'],
    );
  const insertArtifact = store.db.prepare(
    'INSERT INTO artifacts (run_id, phase, step, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const a of rows('SELECT * FROM artifacts WHERE run_id = ? ORDER BY id')) {
    insertArtifact.run(
      as.id,
      a['phase'],
      a['step'],
      a['kind'],
      moved(a['path'] as string),
      a['sha256'],
      a['bytes'],
      a['created_at'],
    );
  }
}

/**
 * Sweeps by name. A sweep new to the target comes whole; one it has (same spec) takes each cell from the store
 * where it got furthest (completed > failed > running > new; a completed cell the target has stays), with its run
 * renamed as the run was. A sweep of one name but another spec is refused.
 */
function mergeSweeps(store: Store, source: Source, renamed: Map<string, string>): number {
  let changed = 0;
  for (const sweep of source.db.prepare('SELECT * FROM sweeps ORDER BY id').all() as SweepRow[]) {
    let target = store.db.prepare('SELECT * FROM sweeps WHERE name = ?').get(sweep.name) as SweepRow | undefined;
    if (target && target.spec_hash !== sweep.spec_hash) {
      throw new ScgError(
        'BAD_INPUT',
        `sweep '${sweep.name}' in ${source.file} has another spec than the target's (spec hash ${sweep.spec_hash.slice(0, 12)} vs ${target.spec_hash.slice(0, 12)})`,
        {hint: 'merge stores of the same sweep file; nothing was merged'},
      );
    }
    if (!target) {
      const {id: _, ...row} = sweep;
      insertRow(store, 'sweeps', row);
      target = store.db.prepare('SELECT * FROM sweeps WHERE name = ?').get(sweep.name) as SweepRow;
    }
    const mine = new Map(
      (store.db.prepare('SELECT * FROM sweep_cells WHERE sweep_id = ?').all(target.id) as CellRow[]).map((c) => [
        c.idx,
        c,
      ]),
    );
    const upsert = store.db.prepare(`INSERT INTO sweep_cells (sweep_id, idx, key, assignment_json, config_hash,
      status, run_id, attempts, pid, host, heartbeat_at, error, updated_at) VALUES (@sweep_id, @idx, @key, @assignment_json,
      @config_hash, @status, @run_id, @attempts, @pid, @host, @heartbeat_at, @error, @updated_at)
      ON CONFLICT (sweep_id, idx) DO UPDATE SET key = excluded.key, assignment_json = excluded.assignment_json,
      config_hash = excluded.config_hash, status = excluded.status, run_id = excluded.run_id, attempts = excluded.attempts,
      pid = excluded.pid, host = excluded.host, heartbeat_at = excluded.heartbeat_at, error = excluded.error,
      updated_at = excluded.updated_at`);
    for (const cell of source.db.prepare('SELECT * FROM sweep_cells WHERE sweep_id = ?').all(sweep.id) as CellRow[]) {
      const runId = cell.run_id === null ? null : (renamed.get(cell.run_id) ?? cell.run_id);
      const have = mine.get(cell.idx);
      // a completed cell stays with the run the target has; others move on to the later record
      const further =
        !have ||
        CELL_RANK[cell.status] > CELL_RANK[have.status] ||
        (cell.status === have.status && cell.status !== 'completed' && cell.updated_at > have.updated_at);
      if (!further) continue;
      upsert.run({...cell, sweep_id: target.id, run_id: runId});
      changed++;
    }
    const known = new Set(
      (
        store.db
          .prepare('SELECT idx, attempt, error, at FROM sweep_failures WHERE sweep_id = ?')
          .all(target.id) as FailureRow[]
      ).map((f) => JSON.stringify([f.idx, f.attempt, f.error, f.at])),
    );
    const insertFailure = store.db.prepare(
      'INSERT INTO sweep_failures (sweep_id, idx, attempt, error, at) VALUES (?, ?, ?, ?, ?)',
    );
    for (const f of source.db
      .prepare('SELECT * FROM sweep_failures WHERE sweep_id = ? ORDER BY id')
      .all(sweep.id) as FailureRow[]) {
      if (!known.has(JSON.stringify([f.idx, f.attempt, f.error, f.at])))
        insertFailure.run(target.id, f.idx, f.attempt, f.error, f.at);
    }
  }
  return changed;
}
