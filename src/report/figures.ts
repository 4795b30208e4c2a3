// The report's figures as SVG: training curves per cell, a bar chart per metric, and metric against each numeric axis.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {Store} from '../store/store';
import type {Report} from './aggregate';
import type {ReportSource} from './collect';
import {metricName} from './format';
import {barChart, lineChart, type Series} from './svg-chart';

export interface Figure {
  /** File name (no folder): curves-cell-0.svg, bars-fid.svg, axis-contrastive.temperature-fid.svg. */
  file: string;
  title: string;
  svg: string;
}

const CURVE_KEYS = ['g_loss', 'd_loss', 'contrastive', 'fid'];

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** `contrastive.temperature` → `temperature`, but `dataset.name` → `dataset` (a registry section's name is the section). */
function shortAxis(key: string): string {
  const parts = key.split('.');
  return parts.length > 1 && parts[parts.length - 1] === 'name' ? parts[parts.length - 2]! : parts[parts.length - 1]!;
}

function rowTitle(labels: Record<string, string>): string {
  return (
    Object.entries(labels)
      .map(([k, v]) => `${shortAxis(k)}=${v}`)
      .join(', ') || 'all runs'
  );
}

/** Training curves of one cell: a chart per key, one line per seed, side by side in one SVG. */
function cellCurves(store: Store, runIds: string[], seeds: number[], title: string): string | undefined {
  const charts: string[] = [];
  for (const key of CURVE_KEYS) {
    const series: Series[] = runIds
      .map((id, i) => {
        const rows = store.metrics(id, key).filter((r) => (key === 'fid' ? r.phase === 'eval' : r.phase === 'train'));
        return {name: `seed ${seeds[i]}`, points: rows.map((r) => ({x: r.step, y: r.value}))};
      })
      // a term that is constant zero (the contrastive loss of a `none` cell) says nothing: no line for it
      .filter((s) => s.points.some((p) => p.y !== 0));
    if (series.length === 0) continue;
    charts.push(
      lineChart({title: metricName(key), xLabel: 'GAN step', yLabel: metricName(key), series, markers: key === 'fid'}),
    );
  }
  if (charts.length === 0) return undefined;
  const [w, h] = [420, 280];
  const cols = Math.min(2, charts.length);
  const inner = charts.map((svg, i) =>
    svg.replace(
      '<svg xmlns="http://www.w3.org/2000/svg"',
      `<svg x="${(i % cols) * w}" y="${24 + Math.floor(i / cols) * h}"`,
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w * cols}" height="${24 + Math.ceil(charts.length / cols) * h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/><text x="8" y="17" font-size="14" font-weight="bold">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    ...inner,
    '</svg>',
  ].join('\n');
}

export function reportFigures(store: Store, report: Report, source: ReportSource): Figure[] {
  const figures: Figure[] = [];
  const first = report.tables.find((t) => t.protocol.key !== 'training') ?? report.tables[0];
  if (!first) return figures;
  first.rows.forEach((row, i) => {
    const svg = cellCurves(store, row.runIds, row.seeds, `training curves: ${rowTitle(row.labels)}`);
    if (svg) figures.push({file: `curves-cell-${i}.svg`, title: `Training curves, ${rowTitle(row.labels)}`, svg});
  });
  report.tables.forEach((t, ti) => {
    // A metric's figures carry the table's number only where another table (protocol) has the metric too.
    const suffixOf = (metric: string) =>
      report.tables.filter((o) => o.metrics.includes(metric)).length > 1 ? `-p${ti}` : '';
    for (const metric of t.metrics) {
      const suffix = suffixOf(metric);
      const bars = t.rows
        .filter((r) => r.stats[metric])
        .map((r) => ({
          label: Object.values(r.labels).join(' / ') || 'all runs',
          value: r.stats[metric]!.mean,
          err: r.stats[metric]!.std,
          best: r.stats[metric]!.best,
        }));
      if (bars.length === 0) continue;
      figures.push({
        file: `bars-${safe(metric)}${suffix}.svg`,
        title: `${metricName(metric)} per cell (${t.protocol.label})`,
        svg: barChart({title: `${metricName(metric)} (mean ± std over seeds)`, yLabel: metricName(metric), bars}),
      });
    }
    for (const axis of report.axes) {
      const axisValue = new Map(
        source.cells.filter((c) => typeof c.values[axis] === 'number').map((c) => [c.key, c.values[axis] as number]),
      );
      if (
        new Set(axisValue.values()).size < 2 ||
        source.cells.some((c) => axis in c.values && typeof c.values[axis] !== 'number')
      )
        continue;
      for (const metric of t.metrics) {
        const suffix = suffixOf(metric);
        const groups = new Map<string, Series>();
        // a row without this axis (a baseline like temperature's `none`) has no x: a dashed line across the plot
        const references: {name: string; y: number; err: number}[] = [];
        for (const r of t.rows) {
          const s = r.stats[metric];
          if (!s) continue;
          const rest = Object.fromEntries(Object.entries(r.labels).filter(([k]) => k !== axis && r.labels[k] !== '–'));
          const name = Object.keys(rest).length > 0 ? rowTitle(rest) : shortAxis(axis);
          if (!axisValue.has(r.cellKey)) {
            references.push({name, y: s.mean, err: s.std});
            continue;
          }
          const g = groups.get(name) ?? {name, points: []};
          g.points.push({x: axisValue.get(r.cellKey)!, y: s.mean, err: s.std});
          groups.set(name, g);
        }
        if (groups.size === 0) continue;
        const xs = [...axisValue.values()];
        // an axis over positive values spanning a decade or more (τ from 0.05 to 1) reads better on a log scale
        const logX = xs.every((v) => v > 0) && Math.max(...xs) / Math.min(...xs) >= 10;
        figures.push({
          file: `axis-${safe(axis)}-${safe(metric)}${suffix}.svg`,
          title: `${metricName(metric)} against ${axis}`,
          svg: lineChart({
            title: `${metricName(metric)} vs ${axis}`,
            xLabel: logX ? `${axis} (log scale)` : axis,
            yLabel: metricName(metric),
            series: [...groups.values()],
            markers: true,
            logX,
            references,
          }),
        });
      }
    }
  });
  return figures;
}

/** Writes the figures into `dir`; returns their paths. */
export function writeFigures(dir: string, figures: Figure[]): string[] {
  fs.mkdirSync(dir, {recursive: true});
  return figures.map((f) => {
    const file = path.join(dir, f.file);
    fs.writeFileSync(file, f.svg);
    return file;
  });
}
