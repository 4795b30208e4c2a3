// Small standalone SVG charts (line charts with markers and error bars, bar charts with error bars) for reports.
import {fmtNumber} from './format';

export interface Series {
  name: string;
  points: {x: number; y: number; err?: number}[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Draw a marker and an error bar at each point (metric against an axis) instead of a plain line (curves). */
  markers?: boolean;
  /** A logarithmic x axis with a tick at each x of the points (all x must be > 0). */
  logX?: boolean;
  /** Horizontal lines across the plot (a value with no x, like a baseline), dashed, with a ±err band. */
  references?: {name: string; y: number; err?: number}[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  bars: {label: string; value: number; err: number; best?: boolean}[];
}

const W = 420;
const H = 280;
const M = {left: 64, right: 12, top: 28, bottom: 72};
const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** A tick label with as many decimals as the tick spacing needs. */
function tickText(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(v) || 1;
  const digits = Math.max(
    0,
    Math.ceil(-Math.log10(step) - 1e-9) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0),
  );
  if (digits > 8 || Math.abs(v) >= 1e9) return v.toExponential(2);
  return v.toFixed(digits);
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  yTicks: number[],
  y: (v: number) => number,
  body: string[],
  xAxis: string[],
): string {
  const grid = yTicks.map(
    (t) =>
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>` +
      `<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${tickText(t, yTicks)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    ...grid,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`,
    ...xAxis,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/**
 * A line per series. When every point has the same x (a metric measured at one step), there is no line to draw:
 * each point is a marker labelled with its value, over one x tick at that x. References are dashed lines.
 */
export function lineChart(c: LineChart): string {
  const pts = c.series.flatMap((s) => s.points);
  const refs = c.references ?? [];
  const xs = pts.map((p) => p.x);
  const ys = [...pts, ...refs].flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)]);
  const single = new Set(xs).size === 1;
  const logX = !single && c.logX === true && xs.every((v) => v > 0);
  const xTicks = single
    ? [xs[0]!]
    : logX
      ? [...new Set(xs)].sort((a, b) => a - b)
      : niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const scale = (v: number) => (logX ? Math.log10(v) : v);
  const [x0, x1] = [scale(xTicks[0]!), scale(xTicks[xTicks.length - 1]!)];
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const x = (v: number) =>
    single ? (M.left + W - M.right) / 2 : M.left + ((scale(v) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const xAxis = xTicks.map(
    (t) =>
      `<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 14}" text-anchor="middle">${logX ? String(Number(t.toPrecision(6))) : tickText(t, xTicks)}</text>`,
  );
  const body: string[] = [];
  refs.forEach((r, i) => {
    const color = COLORS[(c.series.length + i) % COLORS.length]!;
    const [xa, xb] = [M.left, W - M.right];
    if (r.err)
      body.push(
        `<rect x="${xa}" y="${y(r.y + r.err).toFixed(1)}" width="${xb - xa}" height="${(y(r.y - r.err) - y(r.y + r.err)).toFixed(1)}" fill="${color}" fill-opacity="0.12"/>`,
      );
    body.push(
      `<line x1="${xa}" x2="${xb}" y1="${y(r.y).toFixed(1)}" y2="${y(r.y).toFixed(1)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    );
    const ly = M.top + 4 + 13 * (c.series.length + i);
    body.push(
      `<line x1="${W - M.right - 120}" x2="${W - M.right - 110}" y1="${ly + 1.5}" y2="${ly + 1.5}" stroke="${color}" stroke-width="2" stroke-dasharray="3 2"/><text x="${W - M.right - 106}" y="${ly + 5}">${esc(r.name.slice(0, 22))}</text>`,
    );
  });
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    if (!single)
      body.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${sorted.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}"/>`,
      );
    if (c.markers || single) {
      // with one x, the series sit side by side around it so their markers and labels do not cover each other
      const dx = single ? (i - (c.series.length - 1) / 2) * 14 : 0;
      for (const p of sorted) {
        const px = (x(p.x) + dx).toFixed(1);
        if (p.err)
          body.push(
            `<line x1="${px}" x2="${px}" y1="${y(p.y - p.err).toFixed(1)}" y2="${y(p.y + p.err).toFixed(1)}" stroke="${color}"/>`,
          );
        body.push(`<circle cx="${px}" cy="${y(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
        if (single)
          body.push(
            `<text x="${(x(p.x) + dx + 6).toFixed(1)}" y="${(y(p.y) - 5).toFixed(1)}" fill="${color}">${fmtNumber(p.y)}</text>`,
          );
      }
    }
    const ly = M.top + 4 + 13 * i;
    body.push(
      `<rect x="${W - M.right - 120}" y="${ly}" width="10" height="3" fill="${color}"/><text x="${W - M.right - 106}" y="${ly + 5}">${esc(s.name.slice(0, 22))}</text>`,
    );
  });
  return frame(c.title, c.xLabel, c.yLabel, yTicks, y, body, xAxis);
}

export function barChart(c: BarChart): string {
  const ys = c.bars.flatMap((b) => [b.value - b.err, b.value + b.err, 0]);
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const y = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const slot = (W - M.left - M.right - 60) / Math.max(1, c.bars.length); // 60 px for the last slanted label
  const body: string[] = [];
  const xAxis: string[] = [];
  c.bars.forEach((b, i) => {
    const cx = M.left + slot * (i + 0.5);
    const w = Math.min(40, slot * 0.7);
    const top = y(Math.max(b.value, 0));
    const bottom = y(Math.min(b.value, 0));
    body.push(
      `<rect x="${(cx - w / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0.5, bottom - top).toFixed(1)}" fill="${b.best ? '#d62728' : '#1f77b4'}"/>`,
    );
    if (b.err > 0) {
      body.push(
        `<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(b.value - b.err).toFixed(1)}" y2="${y(b.value + b.err).toFixed(1)}" stroke="#111"/>`,
        `<line x1="${(cx - 5).toFixed(1)}" x2="${(cx + 5).toFixed(1)}" y1="${y(b.value + b.err).toFixed(1)}" y2="${y(b.value + b.err).toFixed(1)}" stroke="#111"/>`,
        `<line x1="${(cx - 5).toFixed(1)}" x2="${(cx + 5).toFixed(1)}" y1="${y(b.value - b.err).toFixed(1)}" y2="${y(b.value - b.err).toFixed(1)}" stroke="#111"/>`,
      );
    }
    xAxis.push(
      `<text transform="translate(${cx.toFixed(1)} ${H - M.bottom + 10}) rotate(30)" text-anchor="start" font-size="9">${esc(b.label.slice(0, 28))}</text>`,
    );
  });
  return frame(c.title, '', c.yLabel, yTicks, y, body, xAxis);
}
