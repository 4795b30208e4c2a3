// `scg ablate <sweep.yaml>`: expand a sweep and run its cells (resumable, parallel workers, job-array scripts).
import * as fs from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {BaseCommand, dbFlag, dbPathOf} from '../cli/base-command';
import {type AblateResult, registerSweepIn, runSweep, summaryText} from '../sweep/ablate';
import {emitScript, type EmitKind} from '../sweep/emit';
import {dryRun, planText} from '../sweep/plan';
import {loadSweep} from '../sweep/spec';
import {workCells, type WorkerResult} from '../sweep/worker';

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
    db: dbFlag,
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
    emit: Flags.string({
      description: 'write a job-array script that runs each cell as a task, instead of running',
      options: ['slurm', 'shell'],
    }),
    out: Flags.string({description: 'with --emit: write the script here instead of stdout'}),
    grace: Flags.integer({
      description: 'seconds without a heartbeat after which a cell held on another host is taken over',
      default: 300,
      min: 1,
    }),
    worker: Flags.boolean({hidden: true, description: 'internal: be one worker process of a running sweep'}),
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Ablate);
    const sweep = loadSweep(args.sweep);
    const dbPath = dbPathOf(flags.db);
    if (flags['dry-run']) {
      const plan = dryRun(sweep, dbPath, flags.grace);
      if (!this.jsonEnabled()) this.log(planText(plan, sweep.axes));
      return plan;
    }
    if (flags.emit) {
      registerSweepIn(dbPath, sweep, flags.extend);
      const script = emitScript(flags.emit as EmitKind, sweep, dbPath, {
        retries: flags.retries,
        graceSeconds: flags.grace,
      });
      if (flags.out) {
        fs.writeFileSync(flags.out, script, {mode: 0o755});
        this.note(`wrote ${flags.out}: ${sweep.cells.length} tasks`);
      } else if (!this.jsonEnabled()) process.stdout.write(script);
      return {sweep: sweep.spec.name, kind: flags.emit, cells: sweep.cells.length, out: flags.out ?? null, script};
    }
    if (flags.cell !== undefined || flags.worker) {
      if (flags.cell !== undefined) registerSweepIn(dbPath, sweep, flags.extend, flags.cell);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      const r: WorkerResult = await workCells(sweep, {
        dbPath,
        retries: flags.retries,
        graceSeconds: flags.grace,
        index: flags.cell,
        failFast: flags['fail-fast'],
        log,
      });
      if (r.interrupted) this.exit(130);
      if (r.failed > 0 && !flags.worker) this.exit(1); // a pool worker records failures in the store; its coordinator reports them
      return r;
    }
    const result: AblateResult = await runSweep(sweep, {
      dbPath,
      workers: flags.workers,
      retries: flags.retries,
      graceSeconds: flags.grace,
      failFast: flags['fail-fast'],
      extend: flags.extend,
      quiet: this.jsonEnabled(),
      log: (l) => this.note(l),
    });
    if (!this.jsonEnabled()) this.log(summaryText(result));
    const code = result.interrupted ? 130 : result.failed > 0 || result.pending > 0 ? 1 : 0;
    if (code !== 0) {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(code);
    }
    return result;
  }
}
