// `scg report`: comparison tables of a sweep, an experiment or named runs (seeds aggregated, Δ vs baseline), in five formats.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {Args, Flags} from '@oclif/core';
import {BaseCommand, dbFlag, dbPathOf} from '../cli/base-command';
import {ScgError} from '../errors';
import {buildReport, DEFAULT_METRICS} from '../report/aggregate';
import {experimentSource, type ReportSource, runsSource, sweepSource} from '../report/collect';
import {reportFigures, writeFigures} from '../report/figures';
import {formatReport, type TextFormat} from '../report/format';
import {reportHtml} from '../report/html';
import {Store} from '../store/store';
import type {Assignment} from '../sweep/spec';
import {parse} from 'yaml';

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

export default class Report extends BaseCommand {
  static override summary =
    'Comparison tables of a sweep, an experiment or runs: mean ± std over seeds, Δ vs baseline, best marked';
  static override examples = [
    '<%= config.bin %> report smoke --format md',
    '<%= config.bin %> report paper-table --format html --out docs/results/paper-table.html --plot docs/results/figures',
    '<%= config.bin %> report --experiment quickstart --metric fid --reduce best',
    '<%= config.bin %> report --runs 3f2a 9c1d --baseline contrastive.mode=none --format latex',
  ];
  static override args = {sweep: Args.string({description: 'name of a sweep run by scg ablate'})};
  static override flags = {
    db: dbFlag,
    runs: Flags.string({description: 'report these runs (ids or unique prefixes)', multiple: true}),
    experiment: Flags.string({description: 'report every run of this experiment name'}),
    metric: Flags.string({
      description: 'metric to report (repeatable; default fid, is_mean, r_precision)',
      multiple: true,
    }),
    reduce: Flags.string({description: 'which value of each run: last, best, or at:STEP', default: 'last'}),
    sort: Flags.string({description: 'order rows by this metric, best first'}),
    baseline: Flags.string({
      description: 'with --runs/--experiment: baseline cells, as key.path=value (repeatable)',
      multiple: true,
    }),
    format: Flags.string({
      description: 'output format',
      options: ['md', 'csv', 'latex', 'json', 'html'],
      default: 'md',
    }),
    out: Flags.string({description: 'write the report to this file instead of stdout'}),
    plot: Flags.string({
      description: 'write SVG figures (training curves, bars with error bars, metric vs numeric axes) into this folder',
    }),
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Report);
    const chosen = [args.sweep, flags.runs, flags.experiment].filter((x) => x !== undefined).length;
    if (chosen !== 1) {
      throw new ScgError(
        'BAD_INPUT',
        chosen === 0
          ? 'say what to report: a sweep name, --runs or --experiment'
          : 'give only one of: a sweep name, --runs, --experiment',
        {
          hint: 'scg report smoke, scg report --experiment quickstart, or scg report --runs <id> <id>',
        },
      );
    }
    const baseline = parseBaseline(flags.baseline ?? []);
    if (baseline && args.sweep)
      throw new ScgError('BAD_INPUT', '--baseline: a sweep names its baseline in its file', {
        hint: 'set baseline: in the sweep file',
      });
    const store = Store.openExisting(dbPathOf(flags.db));
    try {
      const source: ReportSource = args.sweep
        ? sweepSource(store, args.sweep)
        : flags.runs
          ? runsSource(store, flags.runs, baseline)
          : experimentSource(store, flags.experiment!, baseline);
      const report = buildReport(store, source, {
        metrics: flags.metric?.length ? flags.metric : [...DEFAULT_METRICS],
        reduce: flags.reduce,
        sort: flags.sort,
      });
      const html = flags.format === 'html';
      const figures = flags.plot || html ? reportFigures(store, report, source) : [];
      const written = flags.plot ? writeFigures(flags.plot, figures) : [];
      const text = html ? reportHtml(store, report, figures) : formatReport(report, flags.format as TextFormat);
      if (flags.out) {
        fs.mkdirSync(path.dirname(path.resolve(flags.out)), {recursive: true});
        fs.writeFileSync(flags.out, text);
        this.note(`wrote ${flags.out}`);
      } else if (!this.jsonEnabled()) process.stdout.write(text);
      if (written.length) this.note(`wrote ${written.length} figures in ${flags.plot}`);
      return {...report, figures: written};
    } finally {
      store.close();
    }
  }
}
