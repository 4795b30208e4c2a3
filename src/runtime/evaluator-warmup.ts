// Trains a run's evaluator (the builtin classifier) in a background process on a core the run's training leaves
// idle, so the first evaluation finds it cached instead of stopping the run to train it.
import {fork} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {ExperimentConfig} from '../config/types';
import type {BackendInfo} from '../core/backend';
import {lockOwner} from '../core/file-lock';
import type {Dataset} from '../data/dataset';
import {evaluators} from '../registry';
import {runEvaluator} from './evaluate';
import {phaseThreads, THREADS_ENV} from './parallel-phase';

/** `0` never starts the background process; `1` starts it even without a spare core (tests). */
export const WARMUP_ENV = 'SCG_EVALUATOR_WARMUP';

/** What the background process is asked to do (evaluator-warmup-child.ts). */
export interface WarmupRequest {
  config: ExperimentConfig;
  cacheDir: string;
  /** The run's backend and its thread count, so the weights are the ones the run would have trained itself. */
  backend: BackendInfo['name'];
  threads: number;
}

/** What it reports: log lines, then `done` (with its wall time and peak resident memory) or `error`. */
export type WarmupMessage = {log: string} | {done: true; seconds: number; peakRssMb: number} | {error: string};

export interface EvaluatorWarmup {
  /** The background process's id. */
  pid: number;
  /** Resolves when the process has exited: true when it left the weights cached, false when it failed or was stopped. */
  done: Promise<boolean>;
  /** Ends the background process if it still runs, and removes the lock it may have left; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * The cores a run's training keeps busy, and the threads the evaluator trains on in that run's process: torch
 * threads its kernels over `backend.threads` for both; wasm and cpu train data-parallel over the phases' threads
 * and the evaluator on one. Undefined where a background process would not help: native tensorflow threads its
 * kernels over every core, and torch on a GPU trains the evaluator on the GPU.
 */
function coreUse(config: ExperimentConfig, backend: BackendInfo): {training: number; evaluator: number} | undefined {
  if (backend.name === 'tensorflow') return undefined;
  if (backend.name === 'torch')
    return backend.torch?.device === 'cpu' ? {training: backend.threads, evaluator: backend.threads} : undefined;
  const training = Math.max(
    config.phases.includes('pretrain') ? phaseThreads(config, 'pretrain').threads : 1,
    config.phases.includes('train') ? phaseThreads(config, 'train').threads : 1,
  );
  return {training, evaluator: 1};
}

/**
 * Starts the background process when the run will evaluate before its own phases are done training (it has a
 * training phase and an eval phase), its evaluator has weights to train, and a core is free for them: the run's
 * training threads plus the evaluator's fit in the machine's cores, and this is not one of `scg ablate`'s workers
 * (they share the cores out already). The weights are the same as the run would train: same backend, same threads,
 * seeded; the evaluator's own lock (core/file-lock.ts) makes the run wait for them, or train them itself if the
 * process is gone. Returns undefined when nothing was started.
 */
export function startEvaluatorWarmup(opts: {
  config: ExperimentConfig;
  dataset: Dataset;
  backend: BackendInfo;
  cacheDir: string;
  log: (line: string) => void;
}): EvaluatorWarmup | undefined {
  const {config, dataset, backend, cacheDir, log} = opts;
  const mode = process.env[WARMUP_ENV];
  if (mode === '0') return undefined;
  if (!config.phases.includes('eval') || !(config.phases.includes('pretrain') || config.phases.includes('train')))
    return undefined;
  const name = runEvaluator(config);
  if (!evaluators.get(name).needsTraining?.({config, dataset, cacheDir})) return undefined;
  const use = coreUse(config, backend);
  if (!use) return undefined;
  const spare = use.training + use.evaluator <= os.availableParallelism() && !process.env[THREADS_ENV];
  if (!spare && mode !== '1') return undefined;

  const created = missingFolders(path.join(cacheDir, 'evaluators'));
  const child = fork(path.join(__dirname, 'evaluator-warmup-child.js'), [], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: [], // not the parent's (a test runner's flags, an inspector port)
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  let finished = false;
  let stopping = false;
  let reported = false; // a failure already said
  const fallBack = 'the run trains it when it evaluates';
  child.on('message', (m: WarmupMessage) => {
    if ('log' in m) log(`${m.log} (background process ${child.pid})`);
    else if ('error' in m) {
      reported = true;
      log(`evaluator ${name}: the background process failed (${m.error}); ${fallBack}`);
    } else {
      finished = true;
      log(
        `evaluator ${name}: the background process is done after ${m.seconds.toFixed(0)} s, the weights cached (its peak RSS ${m.peakRssMb.toFixed(0)} MB, beside the run's own)`,
      );
    }
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!finished && !stopping && !reported && code !== 0)
        log(
          `evaluator ${name}: the background process exited (${signal ?? `code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}); ${fallBack}`,
        );
      resolve();
    });
    // It could not start (or be signalled): no 'exit' follows a failed start.
    child.once('error', (err) => {
      if (!reported) log(`evaluator ${name}: the background process could not run (${err.message}); ${fallBack}`);
      reported = true;
      if (child.pid === undefined) resolve();
    });
  });
  const request: WarmupRequest = {config, cacheDir, backend: backend.name, threads: use.evaluator};
  if (child.pid !== undefined) child.send(request);
  log(
    `evaluator ${name}: training its weights in a background process (${child.pid}, ${use.evaluator} thread${use.evaluator === 1 ? '' : 's'}) while the run trains`,
  );
  return {
    pid: child.pid ?? -1,
    done: exited.then(() => finished),
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (!finished) removeLeftovers(cacheDir, child.pid ?? -1, created);
    },
  };
}

/** `dir` and those of its parents that do not exist yet, deepest first. */
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.push(d);
  return missing;
}

/** What a stopped background process can leave: its lock files, and the empty folders made for them. */
function removeLeftovers(cacheDir: string, pid: number, created: string[]): void {
  const dir = path.join(cacheDir, 'evaluators');
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!f.endsWith('.lock')) continue;
    const lock = path.join(dir, f);
    if (lockOwner(lock)?.pid === pid) fs.rmSync(lock, {force: true});
  }
  for (const d of created) {
    try {
      fs.rmdirSync(d); // only when empty
    } catch {
      break;
    }
  }
}
