// Gathers what a report is about: cells (runs that differ only by seed), the axes that vary, the baseline rule.
import {storedConfig} from '../config/load';
import type {ExperimentConfig} from '../config/types';
import {ScgError} from '../errors';
import {canonicalJson, flattenConfig} from '../core/identity';
import type {RunRow, Store} from '../store/store';
import {SweepStore} from '../store/sweeps';
import {type Assignment, configMatches} from '../sweep/spec';

export interface ReportRun {
  run: RunRow;
  config: ExperimentConfig;
}

export interface ReportCell {
  /** Canonical JSON of the cell's axis values (seed excluded). */
  key: string;
  /** Axis path → value. */
  values: Record<string, unknown>;
  /** Completed runs of the cell, one per seed. */
  runs: ReportRun[];
  /** Runs of the cell that exist but have not completed (pending, running, failed). */
  unfinished: number;
  isBaseline: boolean;
}

export interface ReportSource {
  /** What the report is of: `sweep smoke`, `experiment quickstart`, `3 runs`. */
  title: string;
  sweep?: string;
  axes: string[];
  cells: ReportCell[];
  baseline?: Assignment;
  /** Zip axes after the first: they advance with it, so one column shows the group. */
  zipped?: {lead: string; follow: string[]};
}

/** Config keys that never make two runs different cells: the seed is aggregated; runtime changes speed only. */
function ignoredKey(key: string): boolean {
  return key === 'seed' || key === 'name' || key.startsWith('runtime.');
}

/** Whether the runs that lack `key` lack it because their section (`dataset`, `backbone`, ...) names another entry. */
function entryKey(key: string, flat: Record<string, unknown>[]): boolean {
  const nameKey = `${key.split('.')[0]}.name`;
  if (key === nameKey || !flat.some((f) => nameKey in f)) return false;
  const having = new Set(flat.filter((f) => key in f).map((f) => canonicalJson(f[nameKey] ?? null)));
  return flat.every((f) => key in f || !having.has(canonicalJson(f[nameKey] ?? null)));
}

function cellsOfRuns(
  runs: RunRow[],
  baseline: Assignment | undefined,
  axes?: string[],
): {cells: ReportCell[]; axes: string[]} {
  const withConfig = runs.map((run) => ({run, config: storedConfig(run.config_json)}));
  const flat = withConfig.map((r) => flattenConfig(r.config));
  const keys =
    axes ??
    [...new Set(flat.flatMap((f) => Object.keys(f)))]
      .filter((k) => !ignoredKey(k))
      .filter((k) => {
        // an entry's own key (dmgan's dNorm) is absent where the section names another entry, whose name already
        // tells those runs apart: such a key is an axis only if it differs among the runs that have it
        const runs = entryKey(k, flat) ? flat.filter((f) => k in f) : flat;
        return new Set(runs.map((f) => canonicalJson(f[k] ?? null))).size > 1;
      })
      .sort();
  const cells = new Map<string, ReportCell>();
  withConfig.forEach((r, i) => {
    const values = Object.fromEntries(keys.map((k) => [k, flat[i]![k] ?? null]));
    const key = canonicalJson(values);
    const cell = cells.get(key) ?? {
      key,
      values,
      runs: [],
      unfinished: 0,
      isBaseline: baseline ? configMatches(r.config, baseline) : false,
    };
    if (r.run.status === 'completed') cell.runs.push(r);
    else cell.unfinished++;
    cells.set(key, cell);
  });
  // `scg run --force` makes another attempt of the same config: one run per seed counts, the newest attempt.
  for (const cell of cells.values()) {
    const bySeed = new Map<number, ReportRun>();
    for (const r of cell.runs) {
      const prev = bySeed.get(r.config.seed);
      if (!prev || r.run.attempt > prev.run.attempt) bySeed.set(r.config.seed, r);
    }
    cell.runs = [...bySeed.values()];
  }
  return {cells: [...cells.values()], axes: keys};
}

/** The cells of a registered sweep, in sweep order; each cell's runs are those its rows point at. */
export function sweepSource(store: Store, name: string): ReportSource {
  const sweeps = new SweepStore(store);
  const row = sweeps.get(name);
  if (!row) {
    const known = sweeps.list().map((s) => s.name);
    throw new ScgError(
      'NOT_FOUND',
      `no sweep '${name}' in ${store.file}${known.length ? `; sweeps: ${known.join(', ')}` : ''}`,
      {
        hint: 'sweeps are registered by `scg ablate <sweep.yaml>`; use --runs or --experiment for runs made with `scg run`',
      },
    );
  }
  const spec = JSON.parse(row.spec_json) as {baseline?: Assignment; zip?: Record<string, unknown[]>};
  const zipKeys = Object.keys(spec.zip ?? {});
  const axes = JSON.parse(row.axes_json) as string[];
  const cells = new Map<string, ReportCell>();
  for (const c of sweeps.cells(row.id)) {
    const {seed: _seed, ...values} = JSON.parse(c.assignment_json) as Assignment;
    const key = canonicalJson(values);
    const run = (c.run_id ? store.getRun(c.run_id) : undefined) ?? store.latestByHash(c.config_hash);
    const cell = cells.get(key) ?? {key, values, runs: [], unfinished: 0, isBaseline: false};
    if (run?.status === 'completed') {
      const config = storedConfig(run.config_json);
      cell.runs.push({run, config});
      if (spec.baseline) cell.isBaseline = configMatches(config, spec.baseline);
    } else cell.unfinished++;
    cells.set(key, cell);
  }
  return {
    title: `sweep ${name}`,
    sweep: name,
    axes,
    cells: [...cells.values()],
    ...(spec.baseline ? {baseline: spec.baseline} : {}),
    ...(zipKeys.length > 1 ? {zipped: {lead: zipKeys[0]!, follow: zipKeys.slice(1)}} : {}),
  };
}

/** Named runs (id or unique prefix); cells and axes come from the config keys on which they differ. */
export function runsSource(store: Store, ids: string[], baseline?: Assignment): ReportSource {
  const runs = ids.map((id) => store.requireRun(id));
  return {title: `${runs.length} runs`, ...cellsOfRuns(runs, baseline), ...(baseline ? {baseline} : {})};
}

/** Every run of an experiment name. */
export function experimentSource(store: Store, experiment: string, baseline?: Assignment): ReportSource {
  const runs = store.listRuns({experiment});
  if (runs.length === 0)
    throw new ScgError('NOT_FOUND', `no runs of experiment '${experiment}' in ${store.file}`, {
      hint: 'see `scg runs list`',
    });
  return {title: `experiment ${experiment}`, ...cellsOfRuns(runs, baseline), ...(baseline ? {baseline} : {})};
}
