// Runs one experiment end to end: backend, identity, resume-or-create the run, phases, final status.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {LoadedConfig} from '../config/load';
import type {Phase} from '../config/types';
import {ScgError} from '../errors';
import {datasets, encoders} from '../registry';
import {type RunRow, runBusy, Store} from '../store/store';
import {type BackendInfo, describeBackend, initBackend} from '../core/backend';
import {configHash, flattenConfig} from '../core/identity';
import {InterruptedError, type RunContext} from './phase-loop';
import {runPretrain} from './phases/pretrain';
import {runTrain} from './phases/train';
import {runEval} from './phases/eval';
import {createProgress} from './progress';
import {wantedGanThreads} from './parallel-phase';
import {pretrainingSource} from './pretrained-encoders';
import {removeStaleTemps} from '../core/atomic-write';
import {provenance} from '../core/provenance';
import {isWasmHeapExhausted, wasmHeapError} from '../core/wasm-heap';
import {PREFLIGHT_RESOLUTION, wasmPreflight} from './wasm-preflight';
import {checkGanBuilds} from './gan-build-check';
import {cacheDirOf} from './evaluate-run';
import {startEvaluatorWarmup} from './evaluator-warmup';

export interface RunOptions {
  dbPath: string;
  /** Start a new attempt even if this config already completed. */
  force?: boolean;
  /** --json: no progress output. */
  quiet?: boolean;
  /** Where status lines go (stderr by default). */
  log?: (line: string) => void;
  /** Take the encoders of a stored run with the same pretraining config instead of pretraining again. */
  sharePretraining?: boolean;
}

export interface RunResult {
  runId: string;
  experiment: string;
  status: RunRow['status'];
  /** 'new', 'resumed', or 'reused' (already completed, nothing run). */
  action: 'new' | 'resumed' | 'reused';
  backend: string;
  runDir: string;
  phases: Phase[];
  /** The last value of every metric key, per phase. */
  final: Record<string, Record<string, number>>;
  checkpoints: number;
  seconds: number;
  error?: string;
}

const PHASE_RUNNERS: Record<Phase, (ctx: RunContext) => Promise<unknown>> = {
  pretrain: runPretrain,
  train: runTrain,
  eval: runEval,
};

function summarize(
  store: Store,
  run: RunRow,
  action: RunResult['action'],
  backend: string,
  started: number,
  phases: Phase[],
): RunResult {
  const final: Record<string, Record<string, number>> = {};
  for (const m of store.metrics(run.id)) (final[m.phase] ??= {})[m.key] = m.value;
  const now = store.getRun(run.id)!;
  return {
    runId: run.id,
    experiment: run.experiment,
    status: now.status,
    action,
    backend,
    runDir: run.run_dir,
    phases,
    final,
    checkpoints: store.checkpoints(run.id).length,
    seconds: (Date.now() - started) / 1000,
    ...(now.error ? {error: now.error} : {}),
  };
}

/**
 * Runs (or resumes) the experiment. A completed run with the same config hash is reused unless `force`.
 * Bad input throws before any row or folder is created. SIGINT/SIGTERM checkpoint and end as 'interrupted'.
 */
export async function runExperiment(loaded: LoadedConfig, opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const {config} = loaded;
  const backend: BackendInfo = await initBackend(config.runtime.backend, {
    threads: wantedGanThreads(config),
    device: config.runtime.device,
  });
  log(describeBackend(backend));
  if (backend.warning) log(backend.warning);
  const hash = configHash(config);
  const prov = provenance();
  // The store is only looked at here; a missing one is created once the input has been found good.
  let store = Store.openIfExists(opts.dbPath);
  try {
    const existing = store?.latestByHash(hash);
    if (store && existing?.status === 'completed' && !opts.force) {
      log(
        `run ${existing.id} (${existing.experiment}) already completed with this config; nothing to do (use --force to start a new attempt)`,
      );
      return summarize(store, existing, 'reused', existing.backend ?? backend.name, started, config.phases);
    }
    const busy = existing && runBusy(existing, prov.host); // checked again when the run is claimed; this spares the data loading
    if (busy) throw busy;
    const dataset = await datasets.get(config.dataset.name).build(config.dataset, {log, quiet: opts.quiet});
    const encoderEntry = encoders.get(config.encoders.name);
    // With a GAN phase, the build check loads a files entry's folder itself (a CLIP's 600 MB once, not twice).
    const building = config.phases.includes('train');
    if (!(building && encoderEntry.kind === 'files')) encoderEntry.checkFiles?.(config.encoders);
    if (building) await checkGanBuilds(config, dataset);
    if (encoderEntry.kind === 'trained' && config.train.encodersFrom && building)
      pretrainingSource(store, undefined, config, dataset.vocab);
    if (backend.name === 'wasm' && config.dataset.resolution >= PREFLIGHT_RESOLUTION) {
      log(`wasm: one step of each phase at batch 2 first, to check that the model fits the heap (4 GiB per thread)`);
      for (const e of await wasmPreflight(config, dataset))
        log(
          `wasm preflight: ${e.phase} needs about ${(e.estimateBytes / 1024 ** 3).toFixed(2)} GiB of tensors per thread at ${e.rows} rows`,
        );
    }
    store ??= Store.open(opts.dbPath);
    const claim = store.claimRun(hash, {
      force: Boolean(opts.force),
      backend: backend.name,
      host: prov.host,
      make: (attempt) => {
        const id = attempt === 1 ? hash : `${hash}-${attempt}`;
        return {
          id,
          experiment: config.name,
          configHash: hash,
          attempt,
          configJson: JSON.stringify(config),
          seed: config.seed,
          runDir: path.join(store!.runsRoot(), id),
          gitCommit: prov.gitCommit,
          gitDirty: prov.gitDirty,
          versions: {...prov.versions, backend: describeBackend(backend)},
          backend: backend.name,
          host: prov.host,
          params: flattenConfig(config),
        };
      },
    });
    const {run, action} = claim;
    if (action === 'reused') {
      log(
        `run ${run.id} (${run.experiment}) already completed with this config; nothing to do (use --force to start a new attempt)`,
      );
      return summarize(store, run, 'reused', run.backend ?? backend.name, started, config.phases);
    }
    if (action === 'resumed') {
      const was = claim.previous!;
      log(`resuming run ${run.id} (was ${was.status}${was.phase ? ` at ${was.phase} step ${was.step}` : ''})`);
      for (const file of removeStaleTemps(run.run_dir)) log(`removed ${file}, left by a writer that is gone`);
    } else {
      try {
        fs.mkdirSync(run.run_dir, {recursive: true});
        fs.writeFileSync(path.join(run.run_dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
        fs.writeFileSync(path.join(run.run_dir, 'vocab.json'), JSON.stringify(dataset.vocab));
      } catch (err) {
        store.deleteRun(run.id);
        fs.rmSync(run.run_dir, {recursive: true, force: true});
        throw err;
      }
      log(`run ${run.id} (${config.name}) started; files in ${run.run_dir}`);
    }
    let stop = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop) process.exit(130); // a second signal: leave now
      stop = true;
      log(`${signal}: finishing the current step, then writing a checkpoint`);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const ctx: RunContext = {
      store,
      run,
      config,
      configHash: hash,
      runDir: run.run_dir,
      dataset,
      progress: createProgress({
        quiet: Boolean(opts.quiet),
        mainLosses: ['loss', 'damsm_word', 'damsm_sentence', 'contrastive', 'g_loss', 'd_loss'],
      }),
      log,
      stopRequested: () => stop,
      sharePretraining: Boolean(opts.sharePretraining),
    };
    // A spare core trains the evaluator meanwhile; its lines come while a progress bar may be drawn.
    const warmup = startEvaluatorWarmup({
      config,
      dataset,
      backend,
      cacheDir: cacheDirOf(store),
      log: (line) => (opts.quiet ? log(line) : ctx.progress.log(line)),
    });
    try {
      for (const phase of config.phases) await PHASE_RUNNERS[phase](ctx);
      store.setStatus(run.id, 'completed');
      log(`run ${run.id} completed`);
    } catch (thrown) {
      const err = isWasmHeapExhausted(thrown, {backend: backend.name})
        ? wasmHeapError(thrown, `run ${run.id}`)
        : thrown;
      if (err instanceof InterruptedError) {
        store.setStatus(run.id, 'interrupted', err.message);
        log(err.message);
      } else if (err instanceof ScgError && err.exitCode === 2) {
        undoForBadInput(store, run, claim.previous, err.message);
        throw err;
      } else {
        store.setStatus(run.id, 'failed', err instanceof Error ? err.message : String(err));
        throw err;
      }
    } finally {
      await warmup?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return summarize(store, run, action, backend.name, started, config.phases);
  } finally {
    store?.close();
  }
}

/**
 * Bad input found after the run was claimed (a damaged checkpoint, a missing evaluator file) is not a failure
 * of the run: a new run with nothing stored yet is removed with its folder, and any other goes back to where it
 * was (interrupted when it was running), so fixing the input and running again resumes it.
 */
function undoForBadInput(store: Store, run: RunRow, previous: RunRow | undefined, why: string): void {
  const stored = store.metrics(run.id).length + store.checkpoints(run.id).length;
  if (!previous && stored === 0) {
    store.deleteRun(run.id);
    fs.rmSync(run.run_dir, {recursive: true, force: true});
    return;
  }
  const back = previous && previous.status !== 'running' ? previous.status : 'interrupted';
  store.setStatus(run.id, back, why);
}
