// The store of experiments, runs, params, metrics, checkpoints and artifacts: an SQLite file (experiments.db) or a
// PostgreSQL database, with one schema and the same queries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import {ScgError} from '../errors';
import {processAlive} from '../core/process-alive';
import {MIGRATIONS} from './migrations';
import {PostgresDb, redact} from './postgres-db';
import {isServerStore, type SqlDb} from './sql';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'interrupted';

export interface RunRow {
  id: string;
  experiment_id: number;
  experiment: string;
  config_hash: string;
  attempt: number;
  status: RunStatus;
  config_json: string;
  seed: number;
  run_dir: string;
  git_commit: string | null;
  git_dirty: number | null;
  versions_json: string | null;
  backend: string | null;
  host: string | null;
  pid: number | null;
  phase: string | null;
  step: number | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  heartbeat_at: string | null;
  error: string | null;
}

export interface CheckpointRow {
  id: number;
  run_id: string;
  phase: string;
  step: number;
  path: string;
  sha256: string;
  bytes: number;
  created_at: string;
}

export interface MetricRow {
  phase: string;
  key: string;
  step: number;
  value: number;
  wall_time: number;
  /** Set on evaluation metrics: the protocol that produced them. */
  protocol_id?: number | null;
}

/** How an evaluation metric was measured; two metrics are comparable only under the same protocol. */
export interface Protocol {
  evaluator: string;
  weightsSha256: string;
  nGenerated: number;
  nReal: number;
  resolution: number;
  split: string;
  seed: number;
  /** The paper protocol followed (`eval.protocol`), when one was; part of the identity. */
  preset?: string;
  /** Evaluator details worth keeping (its test accuracy, feature size, ...). Not part of the identity. */
  details: Record<string, unknown>;
}

export interface NewRun {
  id: string;
  experiment: string;
  configHash: string;
  attempt: number;
  configJson: string;
  seed: number;
  runDir: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  versions: Record<string, string>;
  backend: string;
  host: string;
  params: Record<string, unknown>;
}

/**
 * The default store: `SCG_DB`, else ./experiments.db. A `--db` flag overrides both. A `postgresql://` URL names a
 * server store; anything else is an SQLite file path (made absolute).
 */
export function defaultDbPath(flag?: string): string {
  const address = flag ?? process.env['SCG_DB'] ?? 'experiments.db';
  return isServerStore(address) ? address : path.resolve(address);
}

/**
 * Where a server store's run folders live: `SCG_ARTIFACTS` (a shared file system path, or a per-node one), else
 * the working directory. An SQLite store keeps them next to its file.
 */
function serverArtifactsRoot(): string {
  return path.resolve(process.env['SCG_ARTIFACTS'] ?? '.');
}

/** The schema version a store records (SQLite: PRAGMA user_version; PostgreSQL: the scg_schema table). */
interface SchemaVersion {
  get(): number;
  set(v: number): void;
}

const sqliteVersion = (db: Database.Database): SchemaVersion => ({
  get: () => db.pragma('user_version', {simple: true}) as number,
  set: (v) => void db.pragma(`user_version = ${v}`),
});

const now = () => new Date().toISOString();

/** The error for a run that another live process on this host is training, or undefined when none is. */
export function runBusy(run: RunRow, host: string): ScgError | undefined {
  if (
    run.status !== 'running' ||
    run.pid === null ||
    run.pid === process.pid ||
    run.host !== host ||
    !processAlive(run.pid)
  )
    return undefined;
  return new ScgError('BAD_INPUT', `run ${run.id} is being trained by process ${run.pid} right now`, {
    hint: 'wait for it, or stop it (Ctrl-C) and run again to resume',
  });
}

/**
 * A run's status as a reader should see it: `stale` for a row still marked running whose process on this host is
 * gone (`kill -9`, a power cut); `scg run` of its config resumes it.
 */
export function shownStatus(run: Pick<RunRow, 'status' | 'pid' | 'host'>, host: string): RunStatus | 'stale' {
  return run.status === 'running' &&
    run.pid !== null &&
    run.host === host &&
    run.pid !== process.pid &&
    !processAlive(run.pid)
    ? 'stale'
    : run.status;
}

/** The fewest characters of a run id that `findRun` matches as a prefix. */
export const MIN_PREFIX = 4;

/** The store this process opened last: the one an SQLite error met later in a command is about. */
let lastStoreFile: string | undefined;

/**
 * An SQLite error that means the store file itself is unusable (not a database, damaged, cannot be opened), as a
 * BAD_INPUT error naming the file and what to do; undefined for any other error.
 */
export function storeError(err: unknown, file = lastStoreFile): ScgError | undefined {
  if (err instanceof ScgError) return err;
  const code = (err as {code?: unknown}).code;
  if (!(err instanceof Error) || err.name !== 'SqliteError' || typeof code !== 'string') return undefined;
  const where = file ?? 'the store';
  if (code === 'SQLITE_NOTADB') {
    return new ScgError('BAD_INPUT', `${where} is not an SQLite database (${err.message})`, {
      hint: 'pass --db the experiments.db that scg wrote, or a path where a new one may be created',
    });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new ScgError('BAD_INPUT', `${where} is damaged (${err.message})`, {
      hint: `recover what is left into a new file: sqlite3 ${where} ".recover" | sqlite3 recovered.db, then pass --db recovered.db`,
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return new ScgError('BAD_INPUT', `cannot open ${where} for writing (${err.message})`, {
      hint: 'check that its folder exists and that you may write there',
    });
  }
  return undefined;
}

export class Store {
  readonly db: SqlDb;

  /**
   * `file`: the SQLite path, or the server URL without its password (what messages name). `artifactsRoot`: the
   * folder that holds `runs/`, `cache/` and sweep logs. `address` is what opens the store again (the full URL).
   */
  private constructor(
    readonly file: string,
    db: SqlDb,
    private readonly schema: SchemaVersion,
    readonly artifactsRoot: string,
    readonly address = file,
    readonly server = false,
  ) {
    this.db = db;
  }

  /**
   * Opens (creating if needed) the store and runs pending migrations. The schema version is checked before
   * anything is changed, so a store from a newer scg is left exactly as it was. A folder, a file that is not
   * SQLite or a damaged database is a BAD_INPUT error naming the file.
   */
  static open(file: string): Store {
    if (isServerStore(file)) return Store.openServer(file, true)!;
    const resolved = file === ':memory:' ? file : path.resolve(file);
    if (resolved !== ':memory:') {
      if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
        throw new ScgError('BAD_INPUT', `store ${resolved} is a folder, not a database file`, {
          hint: `pass the path of a file, e.g. --db ${path.join(resolved, 'experiments.db')}`,
        });
      }
      fs.mkdirSync(path.dirname(resolved), {recursive: true});
    }
    lastStoreFile = resolved;
    let db: Database.Database | undefined;
    try {
      db = new Database(resolved);
      db.pragma('busy_timeout = 10000');
      const version = db.pragma('user_version', {simple: true}) as number;
      if (version > MIGRATIONS.length) {
        throw new ScgError(
          'BAD_INPUT',
          `${resolved} has schema version ${version}, newer than this scg (${MIGRATIONS.length})`,
          {hint: 'upgrade scg; the store was not changed'},
        );
      }
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // reads the schema: a damaged file fails here, before any write
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      const store = new Store(resolved, db, sqliteVersion(db), path.dirname(resolved));
      store.migrate();
      return store;
    } catch (err) {
      db?.close();
      throw storeError(err, resolved) ?? err;
    }
  }

  /**
   * Opens a PostgreSQL store. Its version is read before anything is changed (a newer schema is BAD_INPUT naming
   * both versions); with `create`, the schema table and pending migrations are made under the store's write lock
   * (a transaction-scoped advisory lock), so workers starting at once do not race. Without `create`, a database
   * with no scg schema gives undefined and is left untouched.
   */
  private static openServer(url: string, create: boolean): Store | undefined {
    const db = new PostgresDb(url);
    try {
      // Read from pg_class with the statement's snapshot, not through to_regclass: that name lookup goes through the
      // backend's catalog cache, which can still hold "no such table" from before another worker's commit while this
      // one waited for the write lock (seen: three workers starting at once, one failing on CREATE TABLE).
      const exists = () =>
        (
          db
            .prepare(
              "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'scg_schema') AS present",
            )
            .get() as {present: boolean}
        ).present;
      const schema: SchemaVersion = {
        get: () =>
          exists()
            ? ((db.prepare('SELECT version FROM scg_schema').get() as {version: number} | undefined)?.version ?? 0)
            : 0,
        set: (v) => void db.prepare('UPDATE scg_schema SET version = ?').run(v),
      };
      const found = schema.get();
      if (found > MIGRATIONS.length) {
        throw new ScgError(
          'BAD_INPUT',
          `${redact(url)} has schema version ${found}, newer than this scg (${MIGRATIONS.length})`,
          {hint: 'upgrade scg; the store was not changed'},
        );
      }
      if (!exists() && !create) {
        db.close();
        return undefined;
      }
      db.transaction(() => {
        if (exists()) return;
        db.exec('CREATE TABLE scg_schema (version INTEGER NOT NULL)');
        db.prepare('INSERT INTO scg_schema (version) VALUES (0)').run();
      }).immediate();
      const store = new Store(redact(url), db, schema, serverArtifactsRoot(), url, true);
      store.migrate();
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Opens the store if its file (or a server's scg schema) exists; undefined otherwise (nothing is created). */
  static openIfExists(file: string): Store | undefined {
    if (isServerStore(file)) return Store.openServer(file, false);
    return fs.existsSync(file) ? Store.open(file) : undefined;
  }

  /** Opens an existing store; a missing file is a NOT_FOUND error instead of a new empty store. */
  static openExisting(file: string): Store {
    if (isServerStore(file)) {
      const store = Store.openServer(file, false);
      if (store) return store;
      throw new ScgError('NOT_FOUND', `no scg store in ${redact(file)}`, {
        hint: 'runs are recorded by `scg run --db <url>`; check the database name in the URL',
      });
    }
    if (!fs.existsSync(file)) {
      throw new ScgError('NOT_FOUND', `no store at ${file}`, {
        hint: 'runs are recorded by `scg run`; pass --db or set SCG_DB to point at another experiments.db',
      });
    }
    return Store.open(file);
  }

  get version(): number {
    return this.schema.get();
  }

  /**
   * Runs the pending migrations, each in its own `BEGIN IMMEDIATE` transaction that re-reads the version once it
   * holds the write lock: two processes opening a new store at once both see version 0 before either writes, and
   * the second must find the first one's work done instead of creating the tables again.
   */
  private migrate(): void {
    for (let v = this.version; v < MIGRATIONS.length; v++) {
      this.db
        .transaction(() => {
          if (this.version > v) return; // another process ran this migration while we waited for the lock
          this.db.exec(MIGRATIONS[v]!);
          this.schema.set(v + 1);
        })
        .immediate();
    }
  }

  /**
   * A file path as the store records it: a server store keeps paths under its artifacts root relative to it, so
   * machines that mount that folder elsewhere still find the files; an SQLite store keeps them absolute.
   */
  private stored(p: string): string {
    if (!this.server) return p;
    const rel = path.relative(this.artifactsRoot, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
  }

  /** A recorded path back as a path on this machine. */
  private local(p: string): string {
    return path.isAbsolute(p) ? p : path.join(this.artifactsRoot, p);
  }

  private runRow<T extends RunRow | undefined>(r: T): T {
    return r && this.server ? {...r, run_dir: this.local(r.run_dir)} : r;
  }

  /** The directory that holds run folders: `runs/` next to the database file, or under a server store's artifacts root. */
  runsRoot(): string {
    return path.join(this.artifactsRoot, 'runs');
  }

  close(): void {
    this.db.close();
  }

  private experimentId(name: string): number {
    this.db.prepare('INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(name, now());
    return (this.db.prepare('SELECT id FROM experiments WHERE name = ?').get(name) as {id: number}).id;
  }

  /** Inserts a run (status running) with its flattened params, in one transaction. */
  createRun(r: NewRun): RunRow {
    this.db
      .transaction(() => {
        const exp = this.experimentId(r.experiment);
        this.db
          .prepare(`INSERT INTO runs (id, experiment_id, config_hash, attempt, status, config_json, seed, run_dir, git_commit, git_dirty,
        versions_json, backend, host, pid, created_at, started_at, heartbeat_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(
            r.id,
            exp,
            r.configHash,
            r.attempt,
            r.configJson,
            r.seed,
            this.stored(r.runDir),
            r.gitCommit,
            r.gitDirty === null ? null : Number(r.gitDirty),
            JSON.stringify(r.versions),
            r.backend,
            r.host,
            process.pid,
            now(),
            now(),
            now(),
          );
        const insert = this.db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)');
        for (const [k, v] of Object.entries(r.params)) insert.run(r.id, k, JSON.stringify(v));
      })
      .immediate();
    return this.getRun(r.id)!;
  }

  /**
   * Decides, in one `BEGIN IMMEDIATE` transaction, what this process does with a config: reuse its completed run,
   * resume its unfinished one (marked running by this process), or start a new attempt (`make` gives the row).
   * A run another live process on this host is training is a BAD_INPUT error: the check and the write are one
   * step, so of several identical commands started at once exactly one trains.
   */
  claimRun(
    hash: string,
    opts: {force: boolean; backend: string; host: string; make: (attempt: number) => NewRun},
  ): {action: 'reused' | 'resumed' | 'new'; run: RunRow; previous?: RunRow} {
    return this.db
      .transaction(() => {
        const existing = this.latestByHash(hash);
        const busy = existing && runBusy(existing, opts.host);
        if (busy) throw busy;
        if (existing?.status === 'completed' && !opts.force) return {action: 'reused' as const, run: existing};
        if (existing && existing.status !== 'completed' && !opts.force) {
          this.markRunning(existing.id, opts.backend, opts.host);
          return {action: 'resumed' as const, run: this.getRun(existing.id)!, previous: existing};
        }
        return {action: 'new' as const, run: this.createRun(opts.make((existing?.attempt ?? 0) + 1))};
      })
      .immediate();
  }

  /** Deletes a run and everything that references it (used when a run could not even start). */
  deleteRun(id: string): void {
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }

  getRun(id: string): RunRow | undefined {
    const row = this.db
      .prepare(
        'SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id WHERE runs.id = ?',
      )
      .get(id) as RunRow | undefined;
    return this.runRow(row);
  }

  /** Finds a run by full id or unique id prefix. */
  findRun(idOrPrefix: string): RunRow | undefined {
    const exact = this.getRun(idOrPrefix);
    if (exact) return exact;
    if (idOrPrefix.length < MIN_PREFIX) {
      throw new ScgError(
        'BAD_INPUT',
        `run id '${idOrPrefix}' is too short to look up: give the full id or at least ${MIN_PREFIX} of its first characters`,
        {hint: 'see `scg runs list`'},
      );
    }
    // LIKE's wildcards in the prefix are literal characters here
    const pattern = `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.db
      .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at")
      .all(pattern) as {id: string}[];
    if (rows.length > 1) {
      throw new ScgError(
        'BAD_INPUT',
        `run id prefix '${idOrPrefix}' matches ${rows.length} runs: ${rows.map((r) => r.id).join(', ')}`,
        {hint: 'give more characters'},
      );
    }
    return rows[0] ? this.getRun(rows[0].id) : undefined;
  }

  /** `findRun`, with a NOT_FOUND error (exit 2) naming the store when there is no such run. */
  requireRun(idOrPrefix: string): RunRow {
    const run = this.findRun(idOrPrefix);
    if (!run) throw new ScgError('NOT_FOUND', `no run '${idOrPrefix}' in ${this.file}`, {hint: 'see `scg runs list`'});
    return run;
  }

  /** The newest attempt of the run with this config hash. */
  latestByHash(hash: string): RunRow | undefined {
    const row = this.db.prepare('SELECT id FROM runs WHERE config_hash = ? ORDER BY attempt DESC LIMIT 1').get(hash) as
      | {id: string}
      | undefined;
    return row ? this.getRun(row.id) : undefined;
  }

  listRuns(filter: {experiment?: string | undefined; status?: RunStatus | undefined} = {}): RunRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.experiment) {
      where.push('experiments.name = ?');
      args.push(filter.experiment);
    }
    if (filter.status) {
      where.push('runs.status = ?');
      args.push(filter.status);
    }
    const rows = this.db
      .prepare(`SELECT runs.*, experiments.name AS experiment FROM runs JOIN experiments ON experiments.id = runs.experiment_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY runs.created_at`)
      .all(...args) as RunRow[];
    return rows.map((r) => this.runRow(r));
  }

  /** Marks a run as (re)started by this process. */
  markRunning(id: string, backend: string, host: string): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', backend = ?, host = ?, pid = ?, started_at = COALESCE(started_at, ?), heartbeat_at = ?, ended_at = NULL, error = NULL WHERE id = ?`,
      )
      .run(backend, host, process.pid, now(), now(), id);
  }

  setStatus(id: string, status: RunStatus, error?: string): void {
    const ended = status === 'running' || status === 'queued' ? null : now();
    this.db
      .prepare('UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ?')
      .run(status, error ?? null, ended, id);
  }

  /** Records where the run is (phase, step) and that its process is alive. */
  heartbeat(id: string, phase: string, step: number): void {
    this.db.prepare('UPDATE runs SET phase = ?, step = ?, heartbeat_at = ? WHERE id = ?').run(phase, step, now(), id);
  }

  /** Appends metric rows in one transaction. */
  addMetrics(runId: string, rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    const insert = this.db.prepare(
      'INSERT INTO metrics (run_id, phase, key, step, value, wall_time, protocol_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const r of rows) insert.run(runId, r.phase, r.key, r.step, r.value, r.wall_time, r.protocol_id ?? null);
    })();
  }

  /** Drops metrics logged after `step` in a phase: a resumed run replays those steps from its checkpoint. */
  truncateMetrics(runId: string, phase: string, afterStep: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND phase = ? AND step > ?').run(runId, phase, afterStep);
  }

  /** Drops artifacts of a phase made after `step` (a resumed phase makes them again). */
  truncateArtifacts(runId: string, phase: string, afterStep: number): void {
    this.db.prepare('DELETE FROM artifacts WHERE run_id = ? AND phase = ? AND step > ?').run(runId, phase, afterStep);
  }

  metrics(runId: string, key?: string): MetricRow[] {
    return (
      key
        ? this.db
            .prepare(
              'SELECT phase, key, step, value, wall_time, protocol_id FROM metrics WHERE run_id = ? AND key = ? ORDER BY step',
            )
            .all(runId, key)
        : this.db
            .prepare(
              'SELECT phase, key, step, value, wall_time, protocol_id FROM metrics WHERE run_id = ? ORDER BY phase, key, step',
            )
            .all(runId)
    ) as MetricRow[];
  }

  /** The id of this protocol's row, inserting it the first time (identity: everything but `details`). */
  protocolId(p: Protocol): number {
    const key = [p.evaluator, p.weightsSha256, p.nGenerated, p.nReal, p.resolution, p.split, p.seed]
      .concat(p.preset ? [p.preset] : [])
      .join('|');
    this.db
      .prepare(`INSERT INTO protocols (key, evaluator, weights_sha256, n_generated, n_real, resolution, split, seed, details_json, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(
        key,
        p.evaluator,
        p.weightsSha256,
        p.nGenerated,
        p.nReal,
        p.resolution,
        p.split,
        p.seed,
        JSON.stringify(p.details),
        now(),
      );
    return (this.db.prepare('SELECT id FROM protocols WHERE key = ?').get(key) as {id: number}).id;
  }

  /** Replaces the evaluation metrics of (run, step, protocol): re-evaluating overwrites, never duplicates. */
  replaceEvalMetrics(runId: string, step: number, protocolId: number, rows: readonly MetricRow[]): void {
    this.db.transaction(() => {
      this.db
        .prepare("DELETE FROM metrics WHERE run_id = ? AND phase = 'eval' AND step = ? AND protocol_id = ?")
        .run(runId, step, protocolId);
      this.addMetrics(runId, rows);
    })();
  }

  addCheckpoint(runId: string, phase: string, step: number, file: string, sha256: string, bytes: number): void {
    this.db
      .prepare(
        'INSERT INTO checkpoints (run_id, phase, step, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(runId, phase, step, this.stored(file), sha256, bytes, now());
  }

  /**
   * Records a written checkpoint file together with the metrics logged since the last flush, atomically; `params`
   * (JSON-encoded like those written with the run) are set in the same transaction.
   */
  commitCheckpoint(
    runId: string,
    c: {phase: string; step: number; path: string; sha256: string; bytes: number},
    metrics: readonly MetricRow[],
    params: Record<string, unknown> = {},
  ): void {
    this.db
      .transaction(() => {
        const set = this.db.prepare(
          'INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value',
        );
        for (const [k, v] of Object.entries(params)) set.run(runId, k, JSON.stringify(v));
        this.addMetrics(runId, metrics);
        this.addCheckpoint(runId, c.phase, c.step, c.path, c.sha256, c.bytes);
        this.heartbeat(runId, c.phase, c.step);
      })
      .immediate();
  }

  /** Forgets the checkpoints of a phase after `step` (damaged ones passed over on resume); returns how many. */
  dropCheckpointsAfter(runId: string, phase: string, step: number): number {
    return this.db
      .prepare('DELETE FROM checkpoints WHERE run_id = ? AND phase = ? AND step > ?')
      .run(runId, phase, step).changes;
  }

  latestCheckpoint(runId: string, phase: string): CheckpointRow | undefined {
    const row = this.db
      .prepare('SELECT * FROM checkpoints WHERE run_id = ? AND phase = ? ORDER BY step DESC, id DESC LIMIT 1')
      .get(runId, phase) as CheckpointRow | undefined;
    return row && {...row, path: this.local(row.path)};
  }

  checkpoints(runId: string): CheckpointRow[] {
    return (
      this.db.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY phase, step').all(runId) as CheckpointRow[]
    ).map((c) => ({...c, path: this.local(c.path)}));
  }

  addArtifact(
    runId: string,
    a: {phase?: string; step?: number; kind: string; path: string; sha256?: string; bytes?: number},
  ): void {
    this.db
      .prepare(
        'INSERT INTO artifacts (run_id, phase, step, kind, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        runId,
        a.phase ?? null,
        a.step ?? null,
        a.kind,
        this.stored(a.path),
        a.sha256 ?? null,
        a.bytes ?? null,
        now(),
      );
  }

  artifacts(
    runId: string,
  ): {phase: string | null; step: number | null; kind: string; path: string; bytes: number | null}[] {
    return (
      this.db
        .prepare('SELECT phase, step, kind, path, bytes FROM artifacts WHERE run_id = ? ORDER BY id')
        .all(runId) as {
        phase: string | null;
        step: number | null;
        kind: string;
        path: string;
        bytes: number | null;
      }[]
    ).map((a) => ({...a, path: this.local(a.path)}));
  }
}
