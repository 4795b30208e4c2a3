// `scg ablate`: registers a sweep, starts N worker processes that claim its cells, and shows sweep and cell progress.
import {type ChildProcess, spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {MultiBar, Presets, type SingleBar} from 'cli-progress';
import {ScgError} from '../errors';
import {THREADS_ENV} from '../runtime/parallel-phase';
import {fmtEta} from '../runtime/progress';
import {Store} from '../store/store';
import {SweepStore} from '../store/sweeps';
import {axisLabel} from './labels';
import type {Sweep} from './spec';
import {registerSweep} from './register';
import {COORDINATOR_ENV} from './worker';

export interface AblateOptions {
  dbPath: string;
  workers: number;
  retries: number;
  graceSeconds: number;
  failFast: boolean;
  extend: boolean;
  /** No bars or status lines (--json). */
  quiet: boolean;
  log: (line: string) => void;
}

export interface AblateResult {
  sweep: string;
  total: number;
  completed: number;
  failed: number;
  /** Cells neither completed nor failed when the workers stopped (interrupted, or left by --fail-fast). */
  pending: number;
  interrupted: boolean;
  seconds: number;
  workerLogs: string[];
  failures: {index: number; error: string}[];
}

/** The compiled CLI entry, to start workers with the same scg. */
function cliEntry(): string {
  const entry = path.resolve(__dirname, '../../../bin/run.js');
  if (!fs.existsSync(entry))
    throw new ScgError('RUN_FAILED', `cannot find the scg entry point at ${entry} to start workers`);
  return entry;
}

/** Steps of every phase of a cell's run, for its bar: pretrain steps, then train steps, then one for eval. */
function cellTotal(sweep: Sweep, index: number): {total: number; offset: (phase: string | null) => number} {
  const c = sweep.cells[index]!.loaded.config;
  const sizes = c.phases.map((p) => (p === 'pretrain' ? c.pretrain.steps : p === 'train' ? c.train.steps : 1));
  return {
    total: sizes.reduce((a, b) => a + b, 0),
    offset: (phase) => {
      const i = c.phases.indexOf(phase as never);
      return i < 0 ? 0 : sizes.slice(0, i).reduce((a, b) => a + b, 0);
    },
  };
}

export async function runSweep(sweep: Sweep, opts: AblateOptions): Promise<AblateResult> {
  const started = Date.now();
  const store = Store.open(opts.dbPath);
  const sweeps = new SweepStore(store);
  const children: ChildProcess[] = [];
  let stopping = false;
  let signalled = false;
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill(signal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = true;
    opts.log(`${signal}: asking the workers to checkpoint their cells and stop`);
    stopAll('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const reg = registerSweep(store, sweep, opts.extend);
    if (reg.created) opts.log(`sweep ${sweep.spec.name}: ${sweep.cells.length} cells registered in ${store.file}`);
    else if (reg.added || reg.removed)
      opts.log(`sweep ${sweep.spec.name} extended: ${reg.added} new cells, ${reg.removed} dropped`);
    sweeps.resetAttempts(reg.sweep.id);
    const logDir = path.join(store.artifactsRoot, 'sweeps', sweep.spec.name);
    fs.mkdirSync(logDir, {recursive: true});
    // Failures come from the store's failure log, not from sweep_cells.error: a fast retry overwrites that
    // before the next poll. Only this invocation's failures are reported, so the mark is taken before any worker.
    let lastFailure = sweeps.lastFailureId(reg.sweep.id);
    const entry = cliEntry();
    const workerLogs: string[] = [];
    const open = sweeps.cells(reg.sweep.id).filter((c) => c.status !== 'completed').length;
    const count = Math.max(1, Math.min(opts.workers, open));
    const exits: Promise<void>[] = [];
    for (let k = 0; k < count && open > 0; k++) {
      const logFile = path.join(logDir, `worker-${k}.log`);
      workerLogs.push(logFile);
      const fd = fs.openSync(logFile, 'a');
      const child = spawn(
        process.execPath,
        [
          entry,
          'ablate',
          sweep.file,
          '--worker',
          '--db',
          store.address,
          '--retries',
          String(opts.retries),
          '--grace',
          String(opts.graceSeconds),
          ...(opts.failFast ? ['--fail-fast'] : []),
        ],
        {
          stdio: ['ignore', fd, fd],
          detached: true,
          // The cores are shared out among the workers: a cell without runtime.threads trains on its share.
          env: {
            ...process.env,
            [THREADS_ENV]: String(Math.max(1, Math.floor(os.availableParallelism() / count))),
            [COORDINATOR_ENV]: String(process.pid),
          },
        },
      );
      fs.closeSync(fd);
      children.push(child);
      exits.push(new Promise((resolve) => child.on('exit', () => resolve())));
    }
    const display = opts.quiet ? undefined : createDisplay(sweep, count);
    const failures: {index: number; error: string}[] = [];
    const cellsDoneAtStart = sweeps.cells(reg.sweep.id).filter((c) => c.status === 'completed').length;
    const poll = () => {
      const cells = sweeps.cells(reg.sweep.id);
      const done = cells.filter((c) => c.status === 'completed').length;
      for (const f of sweeps.failures(reg.sweep.id, lastFailure)) {
        lastFailure = f.id;
        const c = cells.find((x) => x.idx === f.idx);
        failures.push({index: f.idx, error: f.error});
        display?.line(
          `cell ${f.idx} (${Object.entries(JSON.parse(c?.assignment_json ?? '{}') as Record<string, unknown>)
            .map(([k, v]) => `${k}=${axisLabel(v)}`)
            .join(', ')}) failed (attempt ${f.attempt}): ${f.error}`,
        );
        if (opts.failFast) stopAll('SIGTERM');
      }
      const running = cells.filter((c) => c.status === 'running' && children.some((ch) => ch.pid === c.pid));
      const elapsed = (Date.now() - started) / 1000;
      const finishedHere = done - cellsDoneAtStart;
      const eta = finishedHere > 0 ? (elapsed / finishedHere) * (cells.length - done) : NaN;
      display?.update(
        done,
        cells.length,
        eta,
        running.map((c) => {
          const run = store.latestByHash(c.config_hash);
          const t = cellTotal(sweep, c.idx);
          return {
            label: `cell ${c.idx}`,
            value: run?.status === 'running' ? t.offset(run.phase) + (run.step ?? 0) : 0,
            total: t.total,
            phase: run?.phase ?? 'starting',
          };
        }),
      );
    };
    const timer = setInterval(poll, 1000);
    await Promise.all(exits);
    clearInterval(timer);
    poll();
    display?.stop();
    const cells = sweeps.cells(reg.sweep.id);
    const completed = cells.filter((c) => c.status === 'completed').length;
    const failed = cells.filter((c) => c.status === 'failed').length;
    for (const [k, c] of children.entries()) {
      if (c.signalCode !== null && !stopping)
        opts.log(
          `worker ${c.pid} was killed (${c.signalCode}); its cell resumes from its checkpoint when the sweep runs again`,
        );
      else if (c.exitCode !== 0 && c.exitCode !== 130 && c.exitCode !== null)
        opts.log(`worker ${c.pid} exited with code ${c.exitCode}; see ${workerLogs[k]}`);
    }
    return {
      sweep: sweep.spec.name,
      total: cells.length,
      completed,
      failed,
      pending: cells.length - completed - failed,
      interrupted: signalled,
      seconds: (Date.now() - started) / 1000,
      workerLogs,
      failures,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
}

interface CellBar {
  label: string;
  value: number;
  total: number;
  phase: string;
}

/** A bar for the sweep and one per worker on a terminal; a status line when something changes otherwise. */
function createDisplay(sweep: Sweep, workers: number) {
  const stream = process.stderr;
  if (stream.isTTY) {
    const multi = new MultiBar(
      {stream, hideCursor: true, barsize: 24, format: '{name} [{bar}] {value}/{total} {detail}'},
      Presets.shades_classic,
    );
    const top: SingleBar = multi.create(sweep.cells.length, 0, {name: `sweep ${sweep.spec.name}`, detail: 'cells'});
    const cellBars: SingleBar[] = Array.from({length: workers}, () => multi.create(1, 0, {name: 'idle', detail: ''}));
    return {
      update(done: number, total: number, eta: number, running: CellBar[]) {
        top.setTotal(total);
        top.update(done, {detail: `cells | eta ${fmtEta(eta)}`});
        cellBars.forEach((b, i) => {
          const r = running[i];
          if (r) {
            b.setTotal(Math.max(1, r.total));
            b.update(Math.min(r.value, r.total), {
              name: r.label.padEnd(`sweep ${sweep.spec.name}`.length),
              detail: r.phase,
            });
          } else b.update(0, {name: 'idle'.padEnd(`sweep ${sweep.spec.name}`.length), detail: ''});
        });
      },
      line(text: string) {
        multi.log(`${text}\n`);
      },
      stop() {
        multi.stop();
      },
    };
  }
  let last = '';
  return {
    update(done: number, total: number, eta: number, running: CellBar[]) {
      const text = `sweep ${sweep.spec.name}: ${done}/${total} cells done${running.length ? `; running ${running.map((r) => `${r.label} (${r.phase})`).join(', ')}` : ''}`;
      if (text !== last) stream.write(`${text}${Number.isFinite(eta) ? `; eta ${fmtEta(eta)}` : ''}\n`);
      last = text;
    },
    line(text: string) {
      stream.write(`${text}\n`);
    },
    stop() {},
  };
}

/** The lines `scg ablate` prints when the sweep ends. */
export function summaryText(r: AblateResult): string {
  return [
    `sweep ${r.sweep}: ${r.completed}/${r.total} cells completed, ${r.failed} failed, ${r.pending} pending (${r.seconds.toFixed(0)} s)`,
    ...(r.failed ? [`worker logs: ${r.workerLogs.join(', ')}`] : []),
    ...(r.completed === r.total ? [`next: scg report ${r.sweep}`] : []),
  ].join('\n');
}

/** The exit code of a coordinated sweep: 0 all cells completed, 1 some failed or pending, 130 interrupted. */
export function sweepExitCode(r: AblateResult): number {
  return r.interrupted ? 130 : r.failed > 0 || r.pending > 0 ? 1 : 0;
}
