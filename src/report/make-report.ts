// What `scg report` produces: the source it reports (a sweep, an experiment or runs), the aggregated tables in
// one of five formats, and the SVG figures.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {parse} from 'yaml';
import {ScgError} from '../errors';
import {Store} from '../store/store';
import type {Assignment} from '../sweep/spec';
import {buildReport, DEFAULT_METRICS, OPTIONAL_DEFAULT_METRICS, type Report} from './aggregate';
import {experimentSource, type ReportSource, runsSource, sweepSource} from './collect';
import {reportFigures, writeFigures} from './figures';
import {formatReport, type TextFormat} from './format';
import {reportHtml} from './html';

export interface ReportRequest {
  db: string;
  /** Exactly one of the three. */
  sweep: string | undefined;
  runs: string[] | undefined;
  experiment: string | undefined;
  metrics: string[] | undefined;
  reduce: string;
  sort: string | undefined;
  baseline: string[];
  format: string;
  /** Write the text here (folders created) instead of returning it for stdout. */
  out: string | undefined;
  /** Folder for the SVG figures. */
  plot: string | undefined;
}

function parseBaseline(items: string[]): Assignment | undefined {
  if (items.length === 0) return undefined;
  return Object.fromEntries(
    items.map((item) => {
      const eq = item.indexOf('=');
      if (eq <= 0)
        throw new ScgError('BAD_INPUT', `--baseline ${item}: expected key.path=value`, {
          hint: 'for example --baseline contrastive.mode=none',
        });
      return [item.slice(0, eq), parse(item.slice(eq + 1)) as unknown];
    }),
  );
}

/** Builds the report `r` asks for; writes it to `r.out` and the figures to `r.plot` when given. */
export function makeReport(r: ReportRequest): {report: Report; text: string; figures: string[]} {
  const chosen = [r.sweep, r.runs, r.experiment].filter((x) => x !== undefined).length;
  if (chosen !== 1) {
    const message =
      chosen === 0
        ? 'say what to report: a sweep name, --runs or --experiment'
        : 'give only one of: a sweep name, --runs, --experiment';
    throw new ScgError('BAD_INPUT', message, {
      hint: 'scg report smoke, scg report --experiment quickstart, or scg report --runs <id> <id>',
    });
  }
  const baseline = parseBaseline(r.baseline);
  if (baseline && r.sweep)
    throw new ScgError('BAD_INPUT', '--baseline: a sweep names its baseline in its file', {
      hint: 'set baseline: in the sweep file',
    });
  const store = Store.openExisting(r.db);
  try {
    const source: ReportSource = r.sweep
      ? sweepSource(store, r.sweep)
      : r.runs
        ? runsSource(store, r.runs, baseline)
        : experimentSource(store, r.experiment!, baseline);
    const report = buildReport(store, source, {
      metrics: r.metrics?.length ? r.metrics : [...DEFAULT_METRICS],
      ...(r.metrics?.length ? {} : {optional: OPTIONAL_DEFAULT_METRICS}),
      reduce: r.reduce,
      sort: r.sort,
    });
    const html = r.format === 'html';
    const figures = r.plot || html ? reportFigures(store, report, source) : [];
    const written = r.plot ? writeFigures(r.plot, figures) : [];
    const text = html ? reportHtml(store, report, figures) : formatReport(report, r.format as TextFormat);
    if (r.out) {
      fs.mkdirSync(path.dirname(path.resolve(r.out)), {recursive: true});
      fs.writeFileSync(r.out, text);
    }
    return {report, text, figures: written};
  } finally {
    store.close();
  }
}
