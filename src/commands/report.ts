// `scg report`: comparison tables of a sweep, an experiment or named runs (seeds aggregated, Δ vs baseline), in five formats.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../cli/base-command';
import {makeReport} from '../report/make-report';

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
    ...storeFlags,
    runs: Flags.string({description: 'report these runs (ids or unique prefixes)', multiple: true}),
    experiment: Flags.string({description: 'report every run of this experiment name'}),
    metric: Flags.string({
      description:
        'metric to report (repeatable; default fid, is_mean, r_precision, and label_acc where an evaluation stored it)',
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
    const {runs, experiment, reduce, sort, format, out, plot} = flags;
    const made = makeReport({
      ...{runs, experiment, reduce, sort, format, out, plot},
      db: dbPathOf(flags.db),
      sweep: args.sweep,
      metrics: flags.metric,
      baseline: flags.baseline ?? [],
    });
    if (out) this.note(`wrote ${out}`);
    else if (!this.jsonEnabled()) process.stdout.write(made.text);
    if (made.figures.length) this.note(`wrote ${made.figures.length} figures in ${plot}`);
    return {...made.report, figures: made.figures};
  }
}
