// The state of every cell of a sweep (done, failed, running, resumable, new) and a time estimate from measured img/s.
import {textTable} from '../report/text-table';
import {fmtEta} from '../runtime/progress';
import {pretrainingKey} from '../runtime/shared-pretraining';
import {Store} from '../store/store';
import {type CellRow, SweepStore, workerGone} from '../store/sweeps';
import {axisLabel} from './labels';
import type {Sweep, SweepCell} from './spec';

export type CellState = 'done' | 'failed' | 'running' | 'resumable' | 'new';

export interface PlanRow {
  index: number;
  /** Axis path (and `seed`) → short label of the value. */
  values: Record<string, string>;
  state: CellState;
  runId: string | null;
  attempts: number;
  error: string | null;
  /** Phase and step of the cell's run, when it has one. */
  at: string | null;
}

export interface Plan {
  sweep: string;
  specHash: string;
  /** True when the store holds this sweep with the same spec (false: not registered yet, or changed). */
  registered: boolean;
  specChanged: boolean;
  total: number;
  counts: Record<CellState, number>;
  excluded: number;
  duplicates: number;
  rows: PlanRow[];
  /** Training seconds left on one worker, from the img/s of completed runs; null before any run was measured. */
  estimateSeconds: number | null;
  estimateNote: string;
  /** With `sharePretraining`: how many cells pretrain, and in how many distinct pretraining runs. */
  sharedPretraining?: {cells: number; runs: number};
}

/** One cell's state from its sweep row (when registered) and the runs the store has for its config. */
function cellState(
  cell: SweepCell,
  row: CellRow | undefined,
  store: Store,
  graceSeconds: number,
): {state: CellState; runId: string | null; at: string | null} {
  const run = store.latestByHash(cell.configHash);
  const at = run?.phase ? `${run.phase} ${run.step ?? 0}` : null;
  if (run?.status === 'completed') return {state: 'done', runId: run.id, at};
  if (row?.status === 'running')
    return {state: workerGone(row, graceSeconds) ? 'resumable' : 'running', runId: run?.id ?? null, at};
  if (row?.status === 'failed') return {state: 'failed', runId: run?.id ?? null, at};
  if (run && (run.status === 'interrupted' || run.status === 'running')) return {state: 'resumable', runId: run.id, at};
  if (run?.status === 'failed') return {state: 'failed', runId: run.id, at};
  return {state: 'new', runId: null, at};
}

/** Mean img/s of the last logged rate of completed runs, per phase and backbone ('*' for any backbone). */
function measuredRates(store: Store): Map<string, number> {
  const rows = store.db
    .prepare(`SELECT m.phase AS phase, json_extract(r.config_json, '$.backbone.name') AS backbone, m.value AS value FROM metrics m
    JOIN runs r ON r.id = m.run_id WHERE r.status = 'completed' AND m.key = 'img_per_sec'
    AND m.step = (SELECT MAX(step) FROM metrics WHERE run_id = m.run_id AND phase = m.phase AND key = 'img_per_sec')`)
    .all() as {phase: string; backbone: string; value: number}[];
  const sums = new Map<string, [number, number]>();
  for (const r of rows) {
    for (const k of [`${r.phase}|${r.backbone}`, `${r.phase}|*`]) {
      const s = sums.get(k) ?? [0, 0];
      sums.set(k, [s[0] + r.value, s[1] + 1]);
    }
  }
  return new Map([...sums].map(([k, [sum, n]]) => [k, sum / n]));
}

/** Seconds of training a cell needs, from measured rates; undefined when a phase of it has never been measured. */
function cellSeconds(cell: SweepCell, rates: Map<string, number>, sharedPretraining: boolean): number | undefined {
  const c = cell.loaded.config;
  let total = 0;
  for (const phase of c.phases) {
    if (phase === 'eval' || (phase === 'pretrain' && sharedPretraining)) continue;
    const {steps, batchSize} = phase === 'pretrain' ? c.pretrain : c.train;
    const rate = rates.get(`${phase}|${c.backbone.name}`) ?? rates.get(`${phase}|*`);
    if (!rate) return undefined;
    total += (steps * batchSize) / rate;
  }
  return total;
}

export function sweepPlan(sweep: Sweep, store: Store, opts: {graceSeconds: number}): Plan {
  const sweeps = new SweepStore(store);
  const stored = sweeps.get(sweep.spec.name);
  const registered = stored?.spec_hash === sweep.specHash;
  const cellRows = registered ? new Map(sweeps.cells(stored.id).map((c) => [c.idx, c])) : new Map<number, CellRow>();
  const counts: Record<CellState, number> = {done: 0, failed: 0, running: 0, resumable: 0, new: 0};
  const rates = measuredRates(store);
  let estimate = 0;
  let unmeasured = 0;
  // With shared pretraining, a cell whose pretraining key an earlier cell has does not pretrain (estimated as such).
  const share = sweep.spec.sharePretraining
    ? sweep.cells.map((c) =>
        c.loaded.config.phases.includes('pretrain') ? pretrainingKey(c.loaded.config) : undefined,
      )
    : undefined;
  const seen = new Set<string>();
  const rows = sweep.cells.map((cell): PlanRow => {
    const row = cellRows.get(cell.index);
    const {state, runId, at} = cellState(cell, row, store, opts.graceSeconds);
    counts[state]++;
    const key = share?.[cell.index];
    const shared = key !== undefined && seen.has(key);
    if (key !== undefined) seen.add(key);
    if (state !== 'done') {
      const s = cellSeconds(cell, rates, shared);
      if (s === undefined) unmeasured++;
      else estimate += s;
    }
    return {
      index: cell.index,
      values: Object.fromEntries(Object.entries(cell.assignment).map(([k, v]) => [k, axisLabel(v)])),
      state,
      runId,
      attempts: row?.attempts ?? 0,
      error: row?.error ?? null,
      at,
    };
  });
  const left = sweep.cells.length - counts.done;
  const measured = left - unmeasured;
  const pretraining = share?.filter((k) => k !== undefined).length ?? 0;
  return {
    sweep: sweep.spec.name,
    specHash: sweep.specHash,
    registered,
    specChanged: Boolean(stored) && !registered,
    total: sweep.cells.length,
    counts,
    excluded: sweep.excluded,
    duplicates: sweep.duplicates,
    rows,
    ...(share ? {sharedPretraining: {cells: pretraining, runs: seen.size}} : {}),
    estimateSeconds: measured > 0 ? (estimate / measured) * left : null,
    estimateNote:
      measured === 0
        ? 'no estimate yet: no completed run measured these phases'
        : `training time of the ${left} cells left on one worker, from the img/s of completed runs${unmeasured ? ` (${unmeasured} cells extrapolated)` : ''}; evaluation not included`,
  };
}

/** The plan of a dry run: read from the store when it exists; a dry run creates no store. */
export function dryRun(sweep: Sweep, dbPath: string, graceSeconds: number): Plan {
  const store = Store.openIfExists(dbPath) ?? Store.open(':memory:');
  try {
    return sweepPlan(sweep, store, {graceSeconds});
  } finally {
    store.close();
  }
}

/** The dry run's table and summary lines. */
export function planText(plan: Plan, axes: string[]): string {
  const keys = [...axes, 'seed'];
  const table = textTable(
    ['cell', ...keys, 'state', 'run', 'note'],
    plan.rows.map((r) => [
      String(r.index),
      ...keys.map((k) => r.values[k] ?? '-'),
      r.state,
      r.runId ?? '-',
      r.state === 'failed' ? (r.error ?? '') : r.state === 'running' || r.state === 'resumable' ? (r.at ?? '') : '',
    ]),
  );
  const c = plan.counts;
  const lines = [
    table,
    '',
    `${plan.total} cells: ${c.done} done, ${c.running} running, ${c.resumable} resumable, ${c.failed} failed, ${c.new} new` +
      `${plan.excluded ? `; ${plan.excluded} excluded` : ''}${plan.duplicates ? `; ${plan.duplicates} duplicates dropped` : ''}`,
    plan.estimateSeconds === null
      ? plan.estimateNote
      : `estimate: ${fmtEta(plan.estimateSeconds)} (${plan.estimateNote})`,
  ];
  if (plan.sharedPretraining) {
    const {cells, runs} = plan.sharedPretraining;
    lines.push(
      `shared pretraining: ${runs} pretraining run${runs === 1 ? '' : 's'} for the ${cells} cells that pretrain; the other ${cells - runs} take the encoders of the cell with the same pretraining`,
    );
  }
  if (plan.specChanged)
    lines.push(
      'the store holds this sweep with a different spec: scg ablate refuses to run it unless --extend is given',
    );
  return lines.join('\n');
}
