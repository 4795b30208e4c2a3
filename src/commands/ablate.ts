// `scg ablate <sweep.yaml>`: expand a sweep and run its cells (resumable, parallel workers, job-array scripts).
import {Args, Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../cli/base-command';
import {emitFlags} from '../cli/emit-flags';
import {runSweep, summaryText, sweepExitCode} from '../sweep/ablate';
import {type EmitKind, emitSweep} from '../sweep/emit';
import {dryRun, planText} from '../sweep/plan';
import {loadSweep} from '../sweep/spec';
import {runWorkerProcess} from '../sweep/worker';

export default class Ablate extends BaseCommand {
  static override summary = 'Run a sweep (grid, zip, cells, seeds) as normal runs: resumable, with parallel workers';
  static override examples = [
    '<%= config.bin %> ablate configs/sweeps/smoke.yaml --dry-run',
    '<%= config.bin %> ablate configs/sweeps/paper-table.yaml --workers 2',
    '<%= config.bin %> ablate configs/sweeps/paper-table.yaml --emit slurm > paper-table.sbatch',
    '<%= config.bin %> ablate configs/sweeps/paper-table.yaml --cell 3',
  ];
  static override args = {sweep: Args.string({description: 'sweep file (YAML)', required: true})};
  static override flags = {
    ...storeFlags,
    'dry-run': Flags.boolean({
      description: 'print the cells, their overrides and state, and a time estimate; run nothing',
    }),
    workers: Flags.integer({description: 'cells run in parallel, each in its own process', default: 1, min: 1}),
    retries: Flags.integer({description: 'times a failed cell is tried again in one invocation', default: 1, min: 0}),
    'fail-fast': Flags.boolean({description: 'stop all workers at the first failed cell'}),
    extend: Flags.boolean({description: 'the sweep file changed: keep finished cells, add the new ones'}),
    cell: Flags.integer({
      description: 'run only this cell (by index) in this process: one task of a job array',
      min: 0,
    }),
    ...emitFlags,
    grace: Flags.integer({
      description: 'seconds without a heartbeat after which a cell held on another host is taken over',
      default: 300,
      min: 1,
    }),
    worker: Flags.boolean({
      description:
        'be one worker: claim and run cells until none is left; start one per machine on a PostgreSQL store (--db postgresql://…) to drain a sweep together',
    }),
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Ablate);
    const sweep = loadSweep(args.sweep);
    const dbPath = dbPathOf(flags.db);
    const {retries, grace: graceSeconds, extend} = flags;
    const common = {dbPath, retries, graceSeconds, failFast: flags['fail-fast'], extend};
    if (flags['dry-run']) {
      const plan = dryRun(sweep, dbPath, flags.grace);
      if (!this.jsonEnabled()) this.log(planText(plan, sweep.axes));
      return plan;
    }
    if (flags.emit) {
      const kind = flags.emit as EmitKind;
      const opts = {...common, kind, workers: flags.workers, taskStores: flags['task-stores'], out: flags.out};
      const emitted = emitSweep(sweep, dbPath, opts);
      if (emitted.warning) this.note(emitted.warning);
      if (flags.out) this.note(`wrote ${flags.out}: ${emitted.cells} tasks`);
      else if (!this.jsonEnabled()) process.stdout.write(emitted.script);
      return emitted;
    }
    if (flags.cell !== undefined || flags.worker) {
      const worker = await runWorkerProcess(sweep, {...common, index: flags.cell, pooled: flags.worker});
      if (worker.exitCode !== 0) this.exit(worker.exitCode);
      return worker.result;
    }
    const log = (l: string) => this.note(l);
    const result = await runSweep(sweep, {...common, workers: flags.workers, quiet: this.jsonEnabled(), log});
    if (!this.jsonEnabled()) this.log(summaryText(result));
    const code = sweepExitCode(result);
    if (code !== 0) {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(code);
    }
    return result;
  }
}
