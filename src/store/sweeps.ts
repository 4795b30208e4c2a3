// Sweep rows in experiments.db: register a sweep's cells, claim them atomically, heartbeat, finish.
import {ScgError} from '../errors';
import {processAlive} from '../core/process-alive';
import type {Store} from './store';
import {hostName} from '../core/host';

export type CellStatus = 'new' | 'running' | 'completed' | 'failed';

export interface SweepRow {
  id: number;
  name: string;
  file: string;
  spec_hash: string;
  spec_json: string;
  axes_json: string;
  created_at: string;
  updated_at: string;
}

export interface CellRow {
  sweep_id: number;
  idx: number;
  key: string;
  assignment_json: string;
  config_hash: string;
  status: CellStatus;
  run_id: string | null;
  attempts: number;
  pid: number | null;
  host: string | null;
  heartbeat_at: string | null;
  error: string | null;
  updated_at: string;
}

/** One failed attempt of a cell (`sweep_failures`). */
export interface FailureRow {
  id: number;
  sweep_id: number;
  idx: number;
  attempt: number;
  error: string;
  at: string;
}

/** What a sweep registers: its identity and cells (see src/sweep/spec.ts). */
export interface SweepDefinition {
  name: string;
  file: string;
  specHash: string;
  specJson: string;
  axes: string[];
  cells: {index: number; key: string; assignment: Record<string, unknown>; configHash: string}[];
}

export interface ClaimOptions {
  /** A failed cell is claimed again while its attempts are at most `retries`. */
  retries: number;
  /** A running cell on another host whose heartbeat is older than this is taken over. */
  graceSeconds: number;
  /** Claim only this cell (job arrays: `--cell INDEX`). */
  index?: number | undefined;
  /** A cell's group (its pretraining key): new cells of groups that no live worker holds are claimed first. */
  group?: ((index: number) => string) | undefined;
}

const now = () => new Date().toISOString();

/**
 * True when the worker holding a running cell is gone: on this host its process no longer exists; on another
 * host (a shared store) its heartbeat is older than the grace period.
 */
export function workerGone(
  cell: Pick<CellRow, 'pid' | 'host' | 'heartbeat_at'>,
  graceSeconds: number,
  host = hostName(),
): boolean {
  if (cell.host === host && cell.pid !== null) return !processAlive(cell.pid);
  const beat = cell.heartbeat_at ? Date.parse(cell.heartbeat_at) : 0;
  return Date.now() - beat > graceSeconds * 1000;
}

export class SweepStore {
  constructor(readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  get(name: string): SweepRow | undefined {
    return this.db.prepare('SELECT * FROM sweeps WHERE name = ?').get(name) as SweepRow | undefined;
  }

  list(): SweepRow[] {
    return this.db.prepare('SELECT * FROM sweeps ORDER BY created_at').all() as SweepRow[];
  }

  cells(sweepId: number): CellRow[] {
    return this.db.prepare('SELECT * FROM sweep_cells WHERE sweep_id = ? ORDER BY idx').all(sweepId) as CellRow[];
  }

  cell(sweepId: number, index: number): CellRow | undefined {
    return this.db.prepare('SELECT * FROM sweep_cells WHERE sweep_id = ? AND idx = ?').get(sweepId, index) as
      | CellRow
      | undefined;
  }

  /**
   * Registers the sweep, or checks that the stored one has the same spec hash. With `extend`, a changed spec
   * keeps the state of cells it still has (same key and config) and adds the new ones; cells it no longer has
   * leave the sweep (their runs stay in the store). Refuses to drop a cell that is running.
   */
  register(
    def: SweepDefinition,
    opts: {extend: boolean},
  ): {sweep: SweepRow; added: number; removed: number; created: boolean} {
    let added = 0;
    let removed = 0;
    let created = false;
    this.db
      .transaction(() => {
        const existing = this.get(def.name);
        if (existing && existing.spec_hash === def.specHash) return;
        if (existing && !opts.extend) {
          throw new ScgError(
            'BAD_INPUT',
            `sweep '${def.name}' was created from a different spec (stored hash ${existing.spec_hash}, ${def.file} now gives ${def.specHash}): its cells or their configs changed`,
            {
              hint: 'run with --extend to keep finished cells and add the new ones, or give the sweep a new name',
            },
          );
        }
        const insertCell =
          this.db.prepare(`INSERT INTO sweep_cells (sweep_id, idx, key, assignment_json, config_hash, status, run_id, attempts, pid, host, heartbeat_at, error, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        if (!existing) {
          this.db
            .prepare(
              'INSERT INTO sweeps (name, file, spec_hash, spec_json, axes_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
            )
            .run(def.name, def.file, def.specHash, def.specJson, JSON.stringify(def.axes), now(), now());
          const id = this.get(def.name)!.id;
          for (const c of def.cells)
            insertCell.run(
              id,
              c.index,
              c.key,
              JSON.stringify(c.assignment),
              c.configHash,
              'new',
              null,
              0,
              null,
              null,
              null,
              null,
              now(),
            );
          added = def.cells.length;
          created = true;
          return;
        }
        const old = new Map(this.cells(existing.id).map((c) => [`${c.key}|${c.config_hash}`, c]));
        const kept = new Set(def.cells.map((c) => `${c.key}|${c.configHash}`));
        for (const [k, c] of old) {
          if (!kept.has(k) && c.status === 'running' && !workerGone(c, Infinity)) {
            throw new ScgError(
              'BAD_INPUT',
              `--extend would drop cell ${c.idx} of sweep '${def.name}', which is running (process ${c.pid} on ${c.host})`,
              {hint: 'wait for it to finish'},
            );
          }
          if (!kept.has(k)) removed++;
        }
        this.db.prepare('DELETE FROM sweep_cells WHERE sweep_id = ?').run(existing.id);
        for (const c of def.cells) {
          const prev = old.get(`${c.key}|${c.configHash}`);
          if (!prev) added++;
          insertCell.run(
            existing.id,
            c.index,
            c.key,
            JSON.stringify(c.assignment),
            c.configHash,
            prev?.status ?? 'new',
            prev?.run_id ?? null,
            prev?.attempts ?? 0,
            prev?.pid ?? null,
            prev?.host ?? null,
            prev?.heartbeat_at ?? null,
            prev?.error ?? null,
            now(),
          );
        }
        this.db
          .prepare(
            'UPDATE sweeps SET spec_hash = ?, spec_json = ?, axes_json = ?, file = ?, updated_at = ? WHERE id = ?',
          )
          .run(def.specHash, def.specJson, JSON.stringify(def.axes), def.file, now(), existing.id);
      })
      .immediate();
    return {sweep: this.get(def.name)!, added, removed, created};
  }

  /** A new invocation of `scg ablate` gives failed cells their retries again. */
  resetAttempts(sweepId: number): void {
    this.db.prepare("UPDATE sweep_cells SET attempts = 0 WHERE sweep_id = ? AND status = 'failed'").run(sweepId);
  }

  /**
   * Claims the next cell to work on, in one `BEGIN IMMEDIATE` transaction so that concurrent workers never get
   * the same cell: new cells, then cells whose worker is gone, then failed cells with retries left.
   */
  claim(sweepId: number, opts: ClaimOptions): CellRow | undefined {
    const host = hostName();
    return this.db
      .transaction((): CellRow | undefined => {
        const candidates =
          opts.index === undefined
            ? this.cells(sweepId)
            : [this.cell(sweepId, opts.index)].filter((c): c is CellRow => c !== undefined);
        // With groups: first a new cell whose group no live worker is running, so cells that would wait for one
        // another (a shared pretraining) are spread over the workers.
        const held = new Set(
          candidates
            .filter((c) => c.status === 'running' && !workerGone(c, opts.graceSeconds, host))
            .map((c) => opts.group?.(c.idx)),
        );
        const pick =
          (opts.group ? candidates.find((c) => c.status === 'new' && !held.has(opts.group!(c.idx))) : undefined) ??
          candidates.find((c) => c.status === 'new') ??
          candidates.find((c) => c.status === 'running' && workerGone(c, opts.graceSeconds, host)) ??
          candidates.find((c) => c.status === 'failed' && c.attempts <= opts.retries);
        if (!pick) return undefined;
        this.db
          .prepare(`UPDATE sweep_cells SET status = 'running', attempts = attempts + 1, pid = ?, host = ?, heartbeat_at = ?, error = NULL, updated_at = ?
        WHERE sweep_id = ? AND idx = ?`)
          .run(process.pid, host, now(), now(), sweepId, pick.idx);
        return this.cell(sweepId, pick.idx);
      })
      .immediate();
  }

  /** The claiming worker is alive and still on this cell. */
  heartbeat(sweepId: number, index: number): void {
    this.db
      .prepare(
        "UPDATE sweep_cells SET heartbeat_at = ? WHERE sweep_id = ? AND idx = ? AND pid = ? AND status = 'running'",
      )
      .run(now(), sweepId, index, process.pid);
  }

  /** Records the run a cell is training (so `scg report` finds it even before it completes). */
  setRun(sweepId: number, index: number, runId: string): void {
    this.db
      .prepare('UPDATE sweep_cells SET run_id = ?, updated_at = ? WHERE sweep_id = ? AND idx = ?')
      .run(runId, now(), sweepId, index);
  }

  /** Ends this worker's hold on a cell: completed, failed (with the error), or back to new (interrupted; not an attempt). */
  finish(
    sweepId: number,
    index: number,
    outcome: {status: 'completed' | 'failed' | 'new'; runId?: string | undefined; error?: string | undefined},
  ): void {
    this.db
      .transaction(() => {
        this.db
          .prepare(`UPDATE sweep_cells SET status = ?, run_id = COALESCE(?, run_id), error = ?, pid = NULL, heartbeat_at = NULL, updated_at = ?,
        attempts = CASE WHEN ? = 'new' THEN (CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END) ELSE attempts END WHERE sweep_id = ? AND idx = ?`)
          .run(outcome.status, outcome.runId ?? null, outcome.error ?? null, now(), outcome.status, sweepId, index);
        if (outcome.status === 'failed') {
          this.db
            .prepare(`INSERT INTO sweep_failures (sweep_id, idx, attempt, error, at)
          SELECT sweep_id, idx, attempts, ?, ? FROM sweep_cells WHERE sweep_id = ? AND idx = ?`)
            .run(outcome.error ?? 'failed', now(), sweepId, index);
        }
      })
      .immediate();
  }

  /** The newest failure's id (0: none yet): the mark after which a coordinator reports failures. */
  lastFailureId(sweepId: number): number {
    return (
      this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM sweep_failures WHERE sweep_id = ?').get(sweepId) as {
        id: number;
      }
    ).id;
  }

  /** Failed attempts recorded after failure `afterId` (0: all), oldest first. */
  failures(sweepId: number, afterId = 0): FailureRow[] {
    return this.db
      .prepare('SELECT * FROM sweep_failures WHERE sweep_id = ? AND id > ? ORDER BY id')
      .all(sweepId, afterId) as FailureRow[];
  }
}
