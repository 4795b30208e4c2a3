// The report as one self-contained HTML page: tables, inline SVG figures, and each cell's latest sample grid as a data URI.
import * as fs from 'node:fs';
import type {Store} from '../store/store';
import type {Report} from './aggregate';
import type {Figure} from './figures';
import {fmtDelta, fmtStat, metricName, preamble, rowN} from './format';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The newest sample grid of a run, as a data URI; undefined when it has none on disk. */
function latestSamples(store: Store, runId: string): string | undefined {
  const grids = store.artifacts(runId).filter((a) => a.kind === 'samples');
  const last = grids.sort((a, b) => (a.step ?? 0) - (b.step ?? 0))[grids.length - 1];
  if (!last || !fs.existsSync(last.path)) return undefined;
  return `data:image/png;base64,${fs.readFileSync(last.path).toString('base64')}`;
}

export function reportHtml(store: Store, report: Report, figures: Figure[]): string {
  const withDelta = Boolean(report.baseline);
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>scg report: ${esc(report.title)}</title>`,
    // The page fits a 1400-px window: 2em margins around at most 1336 px. Headers wrap and tables use a smaller font,
    // so 11 columns with Δ intervals (four metrics) fit without a scroller; a table wider still scrolls in its own box.
    '<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1336px;color:#222}.table{max-width:100%;overflow-x:auto}table{border-collapse:collapse;margin:1em 0}' +
      'th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}th{white-space:normal}table{font-size:0.88em}td.delta{white-space:normal;min-width:7em}th{background:#f4f4f4}td.axis,th.axis{text-align:left}' +
      'tr.baseline td{background:#fafaf0}.best{font-weight:bold}figure{display:inline-block;margin:0.5em;vertical-align:top}' +
      'figcaption{font-size:0.85em;color:#555;max-width:420px}.grids img{max-width:420px;border:1px solid #ccc}.note{color:#8a4b00}</style>',
    '</head><body>',
    `<h1>scg report: ${esc(report.title)}</h1>`,
    ...preamble(report).map((p) => `<p${p.startsWith('Note') ? ' class="note"' : ''}>${esc(p)}</p>`),
  ];
  for (const t of report.tables) {
    parts.push(
      `<h2>${esc(t.protocol.label)}</h2>`,
      '<div class="table"><table><thead><tr>',
      ...report.axes.map((a) => `<th class="axis">${esc(a)}</th>`),
      '<th>n</th>',
      ...t.metrics.flatMap((m) => [
        `<th>${esc(metricName(m))}</th>`,
        ...(withDelta ? [`<th>Δ ${esc(metricName(m))}</th>`] : []),
      ]),
      '</tr></thead><tbody>',
    );
    for (const row of t.rows) {
      const n = rowN(row);
      parts.push(
        `<tr${row.isBaseline ? ' class="baseline"' : ''}>`,
        ...report.axes.map((a) => `<td class="axis">${esc(row.labels[a]!)}</td>`),
        `<td>${n}</td>`,
        ...t.metrics.flatMap((m) => {
          const s = row.stats[m] ?? null;
          return [
            `<td${s?.best ? ' class="best"' : ''}>${s ? esc(fmtStat(s, n)) : '–'}</td>`,
            ...(withDelta ? [`<td class="delta">${esc(fmtDelta(s, row))}</td>`] : []),
          ];
        }),
        '</tr>',
      );
    }
    parts.push('</tbody></table></div>');
  }
  if (figures.length) {
    parts.push('<h2>Figures</h2>');
    for (const f of figures) parts.push(`<figure>${f.svg}<figcaption>${esc(f.title)}</figcaption></figure>`);
  }
  const first = report.tables.find((t) => t.protocol.key !== 'training') ?? report.tables[0];
  const grids = (first?.rows ?? [])
    .map((row) => {
      let uri: string | undefined;
      const i = row.runIds.findIndex((id) => (uri = latestSamples(store, id)) !== undefined); // the first seed that has a grid
      if (i < 0) return '';
      const label =
        Object.entries(row.labels)
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ') || report.title;
      return `<figure><img alt="${esc(`samples: ${label}`)}" src="${uri!}"><figcaption>${esc(label)} (seed ${row.seeds[i]}, run ${row.runIds[i]})</figcaption></figure>`;
    })
    .filter((g) => g);
  if (grids.length) parts.push('<h2>Latest sample grid of each cell</h2>', '<div class="grids">', ...grids, '</div>');
  parts.push('<p><small>Written by <code>scg report</code>.</small></p>', '</body></html>');
  return `${parts.join('\n')}\n`;
}
