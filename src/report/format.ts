// Renders a report as Markdown, CSV, LaTeX or JSON (HTML lives in html.ts): same numbers, same best marks, same deltas.
import {canonicalJson} from '../core/identity';
import {direction, type Report, type ReportRow, type ReportTable, type Stat} from './aggregate';

export type TextFormat = 'md' | 'csv' | 'latex' | 'json';

const NAMES: Record<string, string> = {
  fid: 'FID',
  is_mean: 'IS',
  is_std: 'IS std',
  r_precision: 'R-precision',
  r_precision_std: 'R-precision std',
  img_per_sec: 'img/s',
  label_acc: 'label acc',
  label_acc_real: 'label acc (real)',
  shape_acc: 'shape acc',
  colour_acc: 'colour acc',
  step_ms: 'ms/step',
  step_peak_tensor_mb: 'tensor MB/step',
  phase_peak_rss_mb: 'peak RSS MB',
};

/** How a metric is titled in tables. */
export function metricName(metric: string): string {
  return NAMES[metric] ?? metric;
}

/** A number with precision that suits its size (FID 123.4, IS 2.35, R-precision 0.062). */
export function fmtNumber(v: number, digits = decimals(v)): string {
  return v
    .toFixed(digits)
    .replace(/^-(?=.*[1-9])/, '−')
    .replace(/^-/, '');
}

/** Decimals for a value of this size: 1 from 100 up, 2 from 1, 3 below. */
export function decimals(v: number): number {
  const a = Math.abs(v);
  return a >= 100 ? 1 : a >= 1 ? 2 : 3;
}

/** Decimals that reach v's first significant digit (0.0004 → 4), at most 6. */
function firstDigit(v: number): number {
  return v === 0 ? 0 : Math.min(6, Math.max(0, -Math.floor(Math.log10(Math.abs(v)))));
}

/** `mean ± std`, both to the mean's precision (the mean alone for one run); `(n=k)` when this metric has fewer runs than the row. */
export function fmtStat(s: Stat, n: number): string {
  const d = decimals(s.mean);
  const spread = s.n > 1 ? ` ± ${fmtNumber(s.std, d)}` : ''; // one run has no spread to show
  return `${fmtNumber(s.mean, d)}${spread}${s.n !== n ? ` (n=${s.n})` : ''}`;
}

export function fmtDelta(s: Stat | null, row: ReportRow): string {
  if (row.isBaseline) return 'baseline';
  if (!s || s.delta === undefined) return '–';
  const d = fmtNumber(s.delta, decimals(s.mean));
  const pct = s.deltaPct === undefined ? '' : fmtNumber(s.deltaPct, 1);
  const signed = (t: string) => (/^[0.]+$/.test(t) || t.startsWith('−') ? t : `+${t}`);
  // the interval to the precision of its half-width too, and of the bound nearer 0 when it excludes 0: a bound of
  // 0.0004 printed as 0.000 beside ≠0 would read as an interval that touches 0
  const iv = s.deltaCi;
  const near = iv?.excludesZero ? (iv.low > 0 ? iv.low : iv.high) : undefined;
  const ciDigits = iv
    ? Math.max(decimals(s.mean), decimals((iv.high - iv.low) / 2), near === undefined ? 0 : firstDigit(near))
    : 0;
  const ci = iv
    ? ` [${fmtNumber(iv.low, ciDigits)}, ${fmtNumber(iv.high, ciDigits)}]${iv.excludesZero ? ' ≠0' : ''}`
    : '';
  return `${signed(d)}${pct ? ` (${signed(pct)}%)` : ''}${ci}`;
}

/** Runs in the row: the largest n over its metrics. */
export function rowN(row: ReportRow): number {
  return Math.max(0, ...Object.values(row.stats).map((s) => s?.n ?? 0));
}

function arrow(metric: string): string {
  const d = direction(metric);
  return d === 'min' ? ' ↓' : d === 'max' ? ' ↑' : '';
}

/** The lines above the tables: what was reduced, how seeds were combined, what the baseline is. */
export function preamble(report: Report): string[] {
  const reduce =
    report.reduce === 'last'
      ? 'the last value of each run'
      : report.reduce === 'best'
        ? 'the best value of each run'
        : `the value at step ${report.reduce.slice(3)}`;
  return [
    `Values: ${reduce}; mean ± sample std over seeds, n runs per row.${
      report.baseline
        ? ` Δ against the baseline (${Object.entries(report.baseline)
            .map(([k, v]) => `${k} = ${canonicalJson(v)}`)
            .join(', ')}) with the same values on the other axes.`
        : ''
    }${
      report.baseline
        ? " In brackets: Δ's 95% Welch t-interval over seeds (where both rows have 2+ runs); ≠0 marks an interval that excludes 0, a difference larger than the seeds' noise."
        : ''
    } Best mean per metric in bold; ↓ lower is better, ↑ higher is better.`,
    ...report.notes.map((n) => `Note: ${n}.`),
  ];
}

function markdownTable(report: Report, t: ReportTable): string[] {
  const withDelta = Boolean(report.baseline);
  const header = [
    ...report.axes,
    'n',
    ...t.metrics.flatMap((m) => [`${metricName(m)}${arrow(m)}`, ...(withDelta ? [`Δ ${metricName(m)}`] : [])]),
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < report.axes.length ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of t.rows) {
    const n = rowN(row);
    const cells = [
      ...report.axes.map((a) => row.labels[a]!),
      String(n),
      ...t.metrics.flatMap((m) => {
        const s = row.stats[m] ?? null;
        const v = s ? (s.best ? `**${fmtStat(s, n)}**` : fmtStat(s, n)) : '–';
        return [v, ...(withDelta ? [fmtDelta(s, row)] : [])];
      }),
    ];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines;
}

function markdown(report: Report): string {
  const out = [`# scg report: ${report.title}`, '', ...preamble(report), ''];
  for (const t of report.tables) out.push(`## ${t.protocol.label}`, '', ...markdownTable(report, t), '');
  return `${out.join('\n').trimEnd()}\n`;
}

function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(report: Report): string {
  const header = [
    'protocol',
    ...report.axes,
    'baseline',
    'n',
    'runs',
    ...report.metrics.flatMap((m) =>
      ['mean', 'std', 'n', 'delta', 'delta_pct', 'delta_ci_low', 'delta_ci_high', 'delta_excludes_zero', 'best'].map(
        (k) => `${m}_${k}`,
      ),
    ),
  ];
  const lines = [header.map(csvField).join(',')];
  for (const t of report.tables) {
    for (const row of t.rows) {
      lines.push(
        [
          t.protocol.label,
          ...report.axes.map((a) => row.labels[a]!),
          row.isBaseline,
          rowN(row),
          row.runIds.join(' '),
          ...report.metrics.flatMap((m) => {
            const s = row.stats[m];
            return s
              ? [
                  s.mean,
                  s.std,
                  s.n,
                  s.delta ?? null,
                  s.deltaPct ?? null,
                  s.deltaCi?.low ?? null,
                  s.deltaCi?.high ?? null,
                  s.deltaCi ? s.deltaCi.excludesZero : null,
                  s.best,
                ]
              : [null, null, 0, null, null, null, null, null, false];
          }),
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function tex(s: string): string {
  return s
    .replace(/\\/g, '\\textbackslash{}')
    .replace(/([&%$#_{}])/g, '\\$1')
    .replace(/~/g, '\\textasciitilde{}')
    .replace(/\^/g, '\\textasciicircum{}')
    .replace(/−/g, '$-$')
    .replace(/–/g, '--')
    .replace(/Δ/g, '$\\Delta$')
    .replace(/↓/g, '$\\downarrow$')
    .replace(/↑/g, '$\\uparrow$')
    .replace(/≠/g, '$\\neq$');
}

function latex(report: Report): string {
  const withDelta = Boolean(report.baseline);
  const out = [`% scg report: ${report.title}. Needs \\usepackage{booktabs}.`];
  for (const t of report.tables) {
    const cols = report.axes.length + 1 + t.metrics.length * (withDelta ? 2 : 1);
    const header = [
      ...report.axes,
      '$n$',
      ...t.metrics.flatMap((m) => [`${metricName(m)}${arrow(m)}`, ...(withDelta ? [`Δ ${metricName(m)}`] : [])]),
    ];
    out.push(
      '\\begin{table}[t]',
      '\\centering',
      `\\caption{${tex(`${report.title}: ${t.protocol.label}`)}}`,
      `\\begin{tabular}{${'l'.repeat(report.axes.length)}${'r'.repeat(cols - report.axes.length)}}`,
      '\\toprule',
      `${header.map((h) => (h === '$n$' ? h : tex(h))).join(' & ')} \\\\`,
      '\\midrule',
    );
    for (const row of t.rows) {
      const n = rowN(row);
      const cells = [
        ...report.axes.map((a) => tex(row.labels[a]!)),
        String(n),
        ...t.metrics.flatMap((m) => {
          const s = row.stats[m] ?? null;
          const v = s ? tex(fmtStat(s, n)).replace(' ± ', ' $\\pm$ ') : '--';
          return [s?.best ? `\\textbf{${v}}` : v, ...(withDelta ? [tex(fmtDelta(s, row))] : [])];
        }),
      ];
      out.push(`${cells.join(' & ')} \\\\`);
    }
    out.push('\\bottomrule', '\\end{tabular}', '\\end{table}', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function formatReport(report: Report, format: TextFormat): string {
  switch (format) {
    case 'md':
      return markdown(report);
    case 'csv':
      return csv(report);
    case 'latex':
      return latex(report);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
  }
}
