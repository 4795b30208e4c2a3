// Turns report cells into tables: one value per run (reduced over steps), mean ± std over seeds, Δ against the
// matching baseline cell with its Welch interval over seeds, the best cell per metric; one table per evaluation protocol, never mixed.
import {ScgError} from '../errors';
import {canonicalJson} from '../core/identity';
import type {MetricRow, Store} from '../store/store';
import {axisLabels} from '../sweep/labels';
import type {ReportCell, ReportSource} from './collect';
import {welchInterval} from './welch';

export type Reduce = {kind: 'last'} | {kind: 'best'} | {kind: 'at'; step: number};

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); 0 when n = 1 (tables then show the mean alone). */
  std: number;
  n: number;
  delta?: number;
  /** 100 × Δ / |baseline mean|. */
  deltaPct?: number;
  /**
   * Welch's 95% t-interval of Δ over seeds (both rows need 2+ runs and some spread), and whether it excludes 0:
   * whether the difference stands out from seed noise.
   */
  deltaCi?: {low: number; high: number; df: number; excludesZero: boolean};
  best: boolean;
}

export interface ReportRow {
  cellKey: string;
  labels: Record<string, string>;
  isBaseline: boolean;
  /** The baseline row this row's Δ is measured against. */
  baselineKey?: string;
  runIds: string[];
  seeds: number[];
  stats: Record<string, Stat | null>;
}

export interface ProtocolInfo {
  /** Everything that makes two evaluations comparable (the sampling seed is not part of it: seeds are aggregated). */
  key: string;
  label: string;
}

export interface ReportTable {
  protocol: ProtocolInfo;
  /** The report's metrics that some row of this table has (an evaluation table has no step times, and so on). */
  metrics: string[];
  rows: ReportRow[];
}

export interface Report {
  title: string;
  sweep?: string;
  /** Axes whose values differ between cells (the only parameter columns). */
  axes: string[];
  metrics: string[];
  reduce: string;
  baseline?: Record<string, unknown>;
  tables: ReportTable[];
  notes: string[];
}

/**
 * What a training step costs, read from one phase of a run whatever `--reduce` says: the median step time and the
 * largest phase peak of resident memory. Δ against a baseline cell is the price of the cell's change (in the paper
 * table, of the contrastive term).
 */
export const COST_METRICS: Record<string, {summary: 'median' | 'max'; about: string}> = {
  step_ms: {summary: 'median', about: 'the median wall time of one training step'},
  step_peak_tensor_mb: {
    summary: 'median',
    about: 'the median over steps of the most tensor memory alive at once in a step (torch on the CPU only)',
  },
  phase_peak_rss_mb: {summary: 'max', about: "the process's peak resident memory during that phase"},
};

export const DEFAULT_METRICS = ['fid', 'is_mean', 'r_precision', 'label_acc', ...Object.keys(COST_METRICS)] as const;
/**
 * Default metrics that not every run has (label accuracy needs an evaluator that classifies the dataset's labels;
 * runs stored before the cost metrics existed lack them): a report leaves them out when no run has them.
 */
export const OPTIONAL_DEFAULT_METRICS: readonly string[] = ['label_acc', ...Object.keys(COST_METRICS)];

/** 'min' when lower is better, 'max' when higher is, undefined when neither. */
export function direction(metric: string): 'min' | 'max' | undefined {
  if (metric === 'fid' || metric.endsWith('loss') || metric.startsWith('d_') || metric.startsWith('g_')) return 'min';
  if (metric in COST_METRICS) return 'min';
  if (metric === 'is_mean' || metric === 'r_precision' || metric === 'img_per_sec' || metric.endsWith('_acc'))
    return 'max';
  return undefined;
}

export function parseReduce(text: string): Reduce {
  if (text === 'last' || text === 'best') return {kind: text};
  const m = /^at:(\d+)$/.exec(text);
  if (m) return {kind: 'at', step: Number(m[1])};
  throw new ScgError('BAD_INPUT', `--reduce ${text}: expected last, best or at:STEP`, {
    hint: 'for example --reduce at:600',
  });
}

interface ProtocolRow {
  id: number;
  evaluator: string;
  weights_sha256: string;
  n_generated: number;
  n_real: number;
  resolution: number;
  split: string;
  details_json: string;
}

function protocolInfo(p: ProtocolRow): ProtocolInfo {
  const preset = (JSON.parse(p.details_json) as {preset?: unknown}).preset;
  const named = typeof preset === 'string' ? preset : undefined;
  return {
    key: [p.evaluator, p.weights_sha256, p.n_generated, p.n_real, p.resolution, p.split]
      .concat(named ? [named] : [])
      .join('|'),
    label: `${named ? `${named} protocol: ` : ''}${p.evaluator} evaluator (weights ${p.weights_sha256.slice(0, 12)}), ${p.n_generated} generated vs ${p.n_real} real ${p.split} images, ${p.resolution} px`,
  };
}

const TRAINING: ProtocolInfo = {
  key: 'training',
  label: 'training metrics (logged during training; no evaluation protocol)',
};

/** One value of `metric` for a run under each protocol, reduced over its steps. */
function runValues(
  rows: MetricRow[],
  metric: string,
  reduce: Reduce,
  protocols: Map<number, ProtocolInfo>,
): Map<string, number> {
  const byProtocol = new Map<string, MetricRow[]>();
  const mine = rows.filter((r) => r.key === metric);
  // A training metric logged in both phases (contrastive, img_per_sec, step_ms) is read from the GAN phase.
  const trainingPhase = mine.some((r) => r.phase === 'train') ? 'train' : 'pretrain';
  for (const r of mine) {
    if (r.phase !== 'eval' && r.phase !== trainingPhase) continue;
    const info = r.phase === 'eval' && r.protocol_id ? protocols.get(r.protocol_id)! : TRAINING;
    byProtocol.set(info.key, [...(byProtocol.get(info.key) ?? []), r]);
  }
  const out = new Map<string, number>();
  const dir = direction(metric);
  const cost = COST_METRICS[metric];
  for (const [key, list] of byProtocol) {
    let value: number | undefined;
    if (cost) value = cost.summary === 'max' ? Math.max(...list.map((r) => r.value)) : median(list.map((r) => r.value));
    else if (reduce.kind === 'last') value = list.reduce((a, b) => (b.step >= a.step ? b : a)).value;
    else if (reduce.kind === 'at') value = list.find((r) => r.step === reduce.step)?.value;
    else {
      if (!dir)
        throw new ScgError(
          'BAD_INPUT',
          `--reduce best: scg does not know whether higher or lower ${metric} is better`,
          {hint: 'use --reduce last or at:STEP for this metric'},
        );
      value = list.map((r) => r.value).reduce((a, b) => (dir === 'min' ? Math.min(a, b) : Math.max(a, b)));
    }
    if (value !== undefined) out.set(key, value);
  }
  return out;
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function stat(values: number[]): Omit<Stat, 'best'> {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return {mean, std, n};
}

/** The baseline cell that differs from `cell` only on the baseline's own keys. */
function matchingBaseline(
  cell: ReportCell,
  cells: ReportCell[],
  baselineKeys: string[],
  axes: string[],
): ReportCell | undefined {
  const others = axes.filter((a) => !baselineKeys.includes(a));
  // An axis the baseline cell does not set (a hand-picked `cells:` row) matches any value.
  return cells.find(
    (b) =>
      b.isBaseline &&
      others.every((a) => !(a in b.values) || canonicalJson(b.values[a]) === canonicalJson(cell.values[a] ?? null)),
  );
}

export function buildReport(
  store: Store,
  source: ReportSource,
  opts: {metrics: string[]; reduce: string; sort?: string | undefined; optional?: readonly string[]},
): Report {
  const reduce = parseReduce(opts.reduce);
  const protocols = new Map(
    (store.db.prepare('SELECT * FROM protocols').all() as ProtocolRow[]).map((p) => [p.id, protocolInfo(p)]),
  );
  const byKey = new Map([...protocols.values()].map((p) => [p.key, p]));
  const notes: string[] = [];
  if (opts.sort && !opts.metrics.includes(opts.sort)) {
    throw new ScgError(
      'BAD_INPUT',
      `--sort ${opts.sort}: not one of the report's metrics (${opts.metrics.join(', ')})`,
      {hint: `add --metric ${opts.sort}`},
    );
  }
  const hidden = new Set(source.zipped?.follow ?? []);
  const axes = source.axes.filter(
    (a) => !hidden.has(a) && new Set(source.cells.map((c) => canonicalJson(c.values[a] ?? null))).size > 1,
  );
  if (source.zipped)
    notes.push(
      `${source.zipped.follow.join(', ')} advance with ${source.zipped.lead} (zip), so only ${source.zipped.lead} has a column`,
    );
  const labels = new Map(
    axes.map((a) => [a, axisLabels(source.cells.filter((c) => a in c.values).map((c) => c.values[a]))]),
  );
  const labelOf = (cell: ReportCell) =>
    Object.fromEntries(
      axes.map((a) => [a, a in cell.values ? labels.get(a)!.get(canonicalJson(cell.values[a]))! : '–']),
    );
  // values[cellKey][metric][protocolKey] = one value per completed run
  const values = new Map<string, Map<string, Map<string, number[]>>>();
  const protocolOrder = new Map<string, ProtocolInfo>();
  for (const cell of source.cells) {
    const perMetric = new Map<string, Map<string, number[]>>();
    for (const r of cell.runs) {
      const rows = store.metrics(r.run.id);
      for (const metric of opts.metrics) {
        for (const [pkey, v] of runValues(rows, metric, reduce, protocols)) {
          protocolOrder.set(pkey, pkey === TRAINING.key ? TRAINING : byKey.get(pkey)!);
          const m = perMetric.get(metric) ?? new Map<string, number[]>();
          m.set(pkey, [...(m.get(pkey) ?? []), v]);
          perMetric.set(metric, m);
        }
      }
    }
    values.set(cell.key, perMetric);
  }
  const metrics = opts.metrics.filter(
    (m) => !opts.optional?.includes(m) || [...values.values()].some((perMetric) => perMetric.has(m)),
  );
  const costs = metrics.filter((m) => m in COST_METRICS);
  if (costs.length)
    notes.push(
      `${costs.map((m) => `${m} is ${COST_METRICS[m]!.about}`).join('; ')}: from each run's GAN phase (its pretraining when it has none), whatever the reduction; ` +
        'time and resident memory also depend on what else ran on the machine at the time (scg ablate --workers 2 runs two cells at once)',
    );
  const baselineKeys = Object.keys(source.baseline ?? {});
  if (source.baseline && !source.cells.some((c) => c.isBaseline))
    notes.push(`no cell matches the baseline ${canonicalJson(source.baseline)}: no deltas`);
  const evalProtocols = [...protocolOrder.values()].filter((p) => p.key !== TRAINING.key);
  if (evalProtocols.length > 1) {
    notes.push(
      `metrics come from ${evalProtocols.length} evaluation protocols; they are never averaged together, so each has its own table`,
    );
  }
  const tables: ReportTable[] = [...protocolOrder.values()].map((protocol) => {
    const rows: ReportRow[] = source.cells
      .map((cell) => {
        const stats: Record<string, Stat | null> = {};
        for (const metric of metrics) {
          const v = values.get(cell.key)!.get(metric)?.get(protocol.key);
          stats[metric] = v?.length ? {...stat(v), best: false} : null;
        }
        const base =
          cell.isBaseline || !source.baseline
            ? undefined
            : matchingBaseline(cell, source.cells, baselineKeys, source.axes);
        return {
          cellKey: cell.key,
          labels: labelOf(cell),
          isBaseline: cell.isBaseline,
          ...(base ? {baselineKey: base.key} : {}),
          runIds: cell.runs.map((r) => r.run.id),
          seeds: cell.runs.map((r) => r.config.seed),
          stats,
        };
      })
      .filter((row) => Object.values(row.stats).some((s) => s !== null));
    for (const row of rows) {
      const base = rows.find((b) => b.cellKey === row.baselineKey);
      if (!base) continue;
      for (const metric of metrics) {
        const s = row.stats[metric];
        const b = base.stats[metric];
        if (!s || !b) continue;
        s.delta = s.mean - b.mean;
        if (b.mean !== 0) s.deltaPct = (100 * s.delta) / Math.abs(b.mean);
        const ci = welchInterval(s, b);
        if (ci) s.deltaCi = {...ci, excludesZero: ci.low > 0 || ci.high < 0};
      }
    }
    for (const metric of metrics) {
      const dir = direction(metric);
      const present = rows.map((r) => r.stats[metric]).filter((s): s is Stat => s !== null);
      if (!dir || present.length < 2 || present.every((p) => p.mean === present[0]!.mean)) continue; // a tie everywhere marks nothing
      const best = dir === 'min' ? Math.min(...present.map((s) => s.mean)) : Math.max(...present.map((s) => s.mean));
      for (const s of present) s.best = s.mean === best;
    }
    if (opts.sort) {
      const dir = direction(opts.sort) ?? 'min';
      const key = (r: ReportRow) => r.stats[opts.sort!]?.mean ?? (dir === 'min' ? Infinity : -Infinity);
      rows.sort((a, b) => (dir === 'min' ? key(a) - key(b) : key(b) - key(a)));
    }
    return {protocol, metrics: metrics.filter((m) => rows.some((r) => r.stats[m])), rows};
  });
  const unfinished = source.cells.reduce((a, c) => a + c.unfinished, 0);
  if (unfinished)
    notes.push(
      `${unfinished} run${unfinished === 1 ? '' : 's'} not completed (pending, running or failed) ${unfinished === 1 ? 'is' : 'are'} left out`,
    );
  if (tables.length === 0) notes.push(`no completed run has any of the metrics ${opts.metrics.join(', ')}`);
  return {
    title: source.title,
    ...(source.sweep ? {sweep: source.sweep} : {}),
    axes,
    metrics,
    reduce: opts.reduce,
    ...(source.baseline ? {baseline: source.baseline} : {}),
    tables,
    notes,
  };
}
