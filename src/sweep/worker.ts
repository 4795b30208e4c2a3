// One sweep worker: claim a cell, run it as a normal run (reused if its config already completed), record the outcome, repeat.
import {hostName} from '../core/host';
import {formatError, ScgError} from '../errors';
import {processAlive} from '../core/process-alive';
import {runExperiment} from '../runtime/run';
import {pretrainingKey} from '../runtime/shared-pretraining';
import {Store} from '../store/store';
import {SweepStore} from '../store/sweeps';
import {axisLabel} from './labels';
import {registerSweepIn} from './register';
import type {Sweep} from './spec';

/** Set by a coordinator on the workers it starts: its pid, so that they stop when it is gone. */
export const COORDINATOR_ENV = 'SCG_SWEEP_COORDINATOR';

export interface WorkerOptions {
  dbPath: string;
  retries: number;
  graceSeconds: number;
  /** Work on this cell only (a job-array task). */
  index?: number | undefined;
  /** Stop claiming after the first failed cell. */
  failFast?: boolean;
  /** Seconds between heartbeats of the claimed cell. */
  heartbeatSeconds?: number;
  log: (line: string) => void;
}

export interface WorkerResult {
  completed: number;
  failed: number;
  interrupted: boolean;
}

/** The sweep row for `sweep`, checked against the file: a worker never runs cells of a spec that changed. */
export function registeredSweep(sweeps: SweepStore, sweep: Sweep) {
  const row = sweeps.get(sweep.spec.name);
  if (!row) {
    throw new ScgError('BAD_INPUT', `sweep '${sweep.spec.name}' is not in ${sweeps.store.file}`, {
      hint: `register it first: scg ablate ${sweep.file} --dry-run, or run scg ablate ${sweep.file}`,
    });
  }
  if (row.spec_hash !== sweep.specHash) {
    throw new ScgError(
      'BAD_INPUT',
      `sweep '${sweep.spec.name}' in the store has spec hash ${row.spec_hash}, but ${sweep.file} now gives ${sweep.specHash}`,
      {
        hint: `the sweep file or its base config changed; run scg ablate ${sweep.file} --extend to update the sweep`,
      },
    );
  }
  return row;
}

/** Claims and runs cells until none is left (or one failed with `failFast`, or a signal asked to stop). */
export async function workCells(sweep: Sweep, opts: WorkerOptions): Promise<WorkerResult> {
  const store = Store.open(opts.dbPath);
  const sweeps = new SweepStore(store);
  const result: WorkerResult = {completed: 0, failed: 0, interrupted: false};
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A worker whose coordinator was killed (kill -9) would train on unwatched; it stops as on Ctrl-C instead:
  // the cell checkpoints and goes back to new, and the next `scg ablate` resumes it.
  const coordinator = Number(process.env[COORDINATOR_ENV]);
  const watch =
    coordinator > 0
      ? setInterval(() => {
          if (processAlive(coordinator)) return;
          clearInterval(watch);
          opts.log(`the coordinator (process ${coordinator}) is gone; checkpointing and stopping`);
          process.kill(process.pid, 'SIGTERM');
        }, 1000)
      : undefined;
  watch?.unref();
  try {
    const row = registeredSweep(sweeps, sweep);
    // With shared pretraining, each cell's pretraining key: cells of one key are spread over the workers.
    const shared = sweep.spec.sharePretraining ? sweep.cells.map((c) => pretrainingKey(c.loaded.config)) : undefined;
    let waiting = false;
    while (!stop) {
      const claimed = sweeps.claim(row.id, {
        retries: opts.retries,
        graceSeconds: opts.graceSeconds,
        index: opts.index,
        group: shared ? (i) => shared[i]! : undefined,
      });
      if (!claimed) {
        // Cells held on other hosts are taken over once their heartbeat is older than the grace: a worker that
        // drains the sweep (no --cell) waits for them rather than leaving a dead host's cell behind.
        const elsewhere =
          opts.index === undefined
            ? sweeps.cells(row.id).filter((c) => c.status === 'running' && c.host !== hostName()).length
            : 0;
        if (elsewhere > 0) {
          if (!waiting)
            opts.log(
              `waiting: ${elsewhere} cell(s) are held on other hosts; one whose heartbeat stops for ${opts.graceSeconds} s is taken over here`,
            );
          waiting = true;
          await new Promise((resolve) => setTimeout(resolve, Math.min(5, opts.graceSeconds / 2) * 1000));
          continue;
        }
        if (opts.index !== undefined && result.completed + result.failed === 0) {
          const c = sweeps.cell(row.id, opts.index)!;
          opts.log(
            `cell ${opts.index}: nothing to do, it is ${c.status}${c.status === 'running' ? ` (held by process ${c.pid} on ${c.host})` : ''}${c.status === 'failed' ? ` and has used its retries (${c.error ?? ''})` : ''}`,
          );
        }
        break;
      }
      const cell = sweep.cells[claimed.idx]!;
      const label = `cell ${cell.index} (${Object.entries(cell.assignment)
        .map(([k, v]) => `${k}=${axisLabel(v)}`)
        .join(', ')})`;
      opts.log(`${label}: claimed (attempt ${claimed.attempts})`);
      waiting = false;
      // Three beats fit in the grace, so a live worker on another host is never taken for a dead one.
      const beatSeconds = opts.heartbeatSeconds ?? Math.min(10, opts.graceSeconds / 3);
      const beat = setInterval(() => sweeps.heartbeat(row.id, cell.index), beatSeconds * 1000);
      beat.unref();
      try {
        const run = await runExperiment(cell.loaded, {
          dbPath: opts.dbPath,
          quiet: true,
          log: (l) => opts.log(`[cell ${cell.index}] ${l}`),
          sharePretraining: Boolean(sweep.spec.sharePretraining),
        });
        if (run.status === 'completed') {
          sweeps.finish(row.id, cell.index, {status: 'completed', runId: run.runId});
          result.completed++;
          opts.log(`${label}: completed (run ${run.runId}, ${run.action})`);
        } else if (run.status === 'interrupted') {
          sweeps.finish(row.id, cell.index, {status: 'new', runId: run.runId});
          result.interrupted = true;
          opts.log(`${label}: interrupted; it resumes from its checkpoint when the sweep runs again`);
          break;
        } else {
          sweeps.finish(row.id, cell.index, {
            status: 'failed',
            runId: run.runId,
            error: run.error ?? `run ended ${run.status}`,
          });
          result.failed++;
        }
      } catch (err) {
        const message = err instanceof ScgError ? err.message : formatError(err);
        const runId = store.latestByHash(cell.configHash)?.id;
        sweeps.finish(row.id, cell.index, {status: 'failed', runId, error: message.split('\n')[0]});
        result.failed++;
        opts.log(`${label}: failed: ${formatError(err)}`);
      } finally {
        clearInterval(beat);
      }
      if (result.failed > 0 && opts.failFast) break;
      if (opts.index !== undefined) break;
    }
    if (stop) result.interrupted = true;
    return result;
  } finally {
    clearInterval(watch);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
}

/**
 * `scg ablate --cell N` (one job-array task: registers the sweep, runs that cell) or `--worker` (one process of
 * a coordinated pool). Returns the result and the exit code: 130 interrupted; 1 a task's cell failed (a pool
 * worker records failures in the store, and its coordinator reports them).
 */
export async function runWorkerProcess(
  sweep: Sweep,
  opts: Omit<WorkerOptions, 'log'> & {extend: boolean; pooled: boolean},
): Promise<{result: WorkerResult; exitCode: number}> {
  // A task of a job array (--cell) or a worker started by hand (on one of several machines) registers the sweep
  // itself; a coordinator's workers find it registered.
  if (opts.index !== undefined || !(Number(process.env[COORDINATOR_ENV]) > 0))
    registerSweepIn(opts.dbPath, sweep, opts.extend, opts.index);
  const result = await workCells(sweep, {...opts, log: (l) => process.stderr.write(`${l}\n`)});
  const exitCode = result.interrupted ? 130 : result.failed > 0 && !opts.pooled ? 1 : 0;
  return {result, exitCode};
}
