// The step loop every training phase shares: resume from the latest checkpoint, run steps, log metrics,
// checkpoint, stop cleanly on a signal, and fail on a non-finite loss.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../config/types';
import type {Dataset} from '../data/dataset';
import {ScgError} from '../errors';
import type {MetricRow, RunRow, Store} from '../store/store';
import {type Checkpoint, CheckpointDamagedError, readCheckpoint, writeCheckpoint} from '../core/checkpoint';
import {tensorPeakBytes} from '../core/backend';
import {phasePeakMb, processPeakMb, startPhaseWindow} from '../core/peak-memory';
import type {Progress} from './progress';

/**
 * Metrics the loop records about the machine rather than the model: speed and memory. They differ between two runs
 * of one config (a resumed run and an uninterrupted one), where every other training metric is equal bit for bit.
 */
export const MACHINE_METRICS = [
  'img_per_sec',
  'step_ms',
  'step_peak_tensor_mb',
  'peak_rss_mb',
  'phase_peak_rss_mb',
] as const;

/** Everything a phase needs from the run around it. */
export interface RunContext {
  store: Store;
  run: RunRow;
  config: ExperimentConfig;
  configHash: string;
  runDir: string;
  dataset: Dataset;
  progress: Progress;
  /** Status lines (stderr), printed in --json mode too. */
  log(line: string): void;
  /** True once SIGINT/SIGTERM arrived: finish the step, checkpoint, stop. */
  stopRequested(): boolean;
  /** Take the encoders of a stored run with the same pretraining instead of training them (`shared-pretraining.ts`). */
  sharePretraining?: boolean;
}

/** A phase's trainable state and step, as the loop drives it. */
export interface PhaseModel {
  /** Tensors saved in a checkpoint (weights and optimizer moments), by name. */
  stateTensors(): ReadonlyMap<string, tf.Tensor>;
  /** Scalars saved beside them (optimizer step counts, ...). */
  stateExtra(): Record<string, unknown>;
  restore(ckpt: Checkpoint, file: string): void;
  /** Runs step `index` (0-based) and returns every loss term by name. Must not leak tensors. */
  step(index: number): Record<string, number>;
  imagesPerStep: number;
}

export interface PhaseLoopOptions {
  phase: string;
  steps: number;
  checkpointEvery: number;
  logEvery: number;
  /** Phases whose metrics are keyed by this phase's steps (evaluations during GAN training): replayed too. */
  derivedPhases?: string[];
  /** Called after each completed step (1-based), e.g. to write sample grids. */
  afterStep?: (completed: number) => Promise<void>;
}

/** Reads kept loss scalars into numbers and frees them (what a PhaseModel's `step` returns). */
export function readLosses(scalars: Record<string, tf.Scalar>): Record<string, number> {
  const values = Object.fromEntries(Object.entries(scalars).map(([k, t]) => [k, t.dataSync()[0]!]));
  tf.dispose(Object.values(scalars));
  return values;
}

/** Raised when a signal stopped the run after its checkpoint was written. */
export class InterruptedError extends Error {
  constructor(
    readonly phase: string,
    readonly step: number,
  ) {
    super(
      `interrupted during ${phase} at step ${step}; the checkpoint is saved and \`scg run\` with the same config resumes there`,
    );
  }
}

/**
 * Loads the newest intact checkpoint of `phase` into the model (sha256-verified); returns the step it holds, or 0.
 * A missing or corrupt checkpoint is passed over, saying so, and its row dropped: the steps after the one used
 * are trained again (and their checkpoints written again).
 */
export function resumePhase(ctx: RunContext, phase: string, model: PhaseModel): number {
  for (const row of ctx.store
    .checkpoints(ctx.run.id)
    .filter((c) => c.phase === phase)
    .reverse()) {
    let ckpt: Checkpoint;
    try {
      ckpt = readCheckpoint(row.path, row.sha256);
    } catch (err) {
      if (!(err instanceof CheckpointDamagedError)) throw err;
      ctx.log(`${err.message}; passing over it to an earlier checkpoint`);
      continue;
    }
    if (ckpt.header.configHash !== ctx.configHash) {
      throw new ScgError(
        'BAD_INPUT',
        `checkpoint ${row.path} belongs to config ${ckpt.header.configHash}, not ${ctx.configHash}`,
        {hint: 're-run with --force'},
      );
    }
    model.restore(ckpt, row.path);
    if (ctx.store.dropCheckpointsAfter(ctx.run.id, phase, row.step) > 0)
      ctx.log(`${phase}: resuming from the intact checkpoint at step ${row.step}`);
    return ckpt.header.step;
  }
  if (ctx.store.dropCheckpointsAfter(ctx.run.id, phase, 0) > 0)
    ctx.log(`${phase}: no intact checkpoint is left; the phase starts again from step 0`);
  return 0;
}

/**
 * Writes the checkpoint file, then records it in one transaction with the metrics still buffered: a checkpoint
 * is never ahead of the metrics it covers, so a crash after it loses nothing before it.
 */
function saveCheckpoint(
  ctx: RunContext,
  phase: string,
  step: number,
  model: PhaseModel,
  pending: readonly MetricRow[],
): void {
  const file = path.join(ctx.runDir, 'checkpoints', `${phase}-${String(step).padStart(7, '0')}.ckpt`);
  const {sha256, bytes} = writeCheckpoint(
    file,
    {
      runId: ctx.run.id,
      configHash: ctx.configHash,
      phase,
      step,
      rng: {seed: ctx.config.seed, scheme: 'keyed-sfc32'},
      extra: model.stateExtra(),
    },
    model.stateTensors(),
  );
  ctx.store.commitCheckpoint(ctx.run.id, {phase, step, path: file, sha256, bytes}, pending);
}

/** Runs the remaining steps of a phase. Returns normally when the phase is complete. */
export async function runPhaseLoop(ctx: RunContext, model: PhaseModel, opts: PhaseLoopOptions): Promise<void> {
  const {phase, steps} = opts;
  const start = resumePhase(ctx, phase, model);
  ctx.store.truncateMetrics(ctx.run.id, phase, start); // steps after the checkpoint are replayed
  ctx.store.truncateArtifacts(ctx.run.id, phase, start);
  for (const derived of opts.derivedPhases ?? []) ctx.store.truncateMetrics(ctx.run.id, derived, start);
  if (start >= steps) return;
  ctx.progress.start(phase, steps, start, opts.logEvery);
  startPhaseWindow();
  let pending: MetricRow[] = [];
  let rate = 0;
  let lastCheckpoint = start;
  try {
    for (let index = start; index < steps; index++) {
      tensorPeakBytes(); // starts the step's window
      const t0 = performance.now();
      const losses = model.step(index);
      const completed = index + 1;
      const seconds = (performance.now() - t0) / 1000;
      const tensorPeak = tensorPeakBytes();
      const instant = model.imagesPerStep / Math.max(seconds, 1e-9);
      rate = rate === 0 ? instant : 0.9 * rate + 0.1 * instant;
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        ctx.store.addMetrics(ctx.run.id, pending);
        const kept =
          lastCheckpoint > 0
            ? `the last good checkpoint (step ${lastCheckpoint}) is kept`
            : 'no checkpoint of this phase was written yet';
        throw new ScgError('RUN_FAILED', `loss ${bad[0]} is ${bad[1]} at ${phase} step ${completed}; ${kept}`, {
          hint: 'lower the learning rate or the loss weights, or check the data',
        });
      }
      const wall = Date.now() / 1000;
      for (const [key, value] of Object.entries(losses))
        pending.push({phase, key, step: completed, value, wall_time: wall});
      pending.push({phase, key: 'img_per_sec', step: completed, value: rate, wall_time: wall});
      pending.push({phase, key: 'step_ms', step: completed, value: seconds * 1000, wall_time: wall});
      if (tensorPeak !== undefined)
        pending.push({
          phase,
          key: 'step_peak_tensor_mb',
          step: completed,
          value: tensorPeak / 2 ** 20,
          wall_time: wall,
        });
      ctx.progress.update({step: completed, losses, imagesPerSecond: rate});
      // Steps are synchronous; yielding lets a pending SIGINT/SIGTERM handler run before we look at the flag.
      await new Promise((resolve) => setImmediate(resolve));
      const stopping = ctx.stopRequested();
      if (completed % opts.logEvery === 0 || completed === steps || stopping) {
        // The process's peak resident memory so far, and this phase's own (worker threads included: they share the process).
        pending.push({phase, key: 'peak_rss_mb', step: completed, value: processPeakMb(), wall_time: wall});
        const phasePeak = phasePeakMb();
        if (phasePeak !== undefined)
          pending.push({phase, key: 'phase_peak_rss_mb', step: completed, value: phasePeak, wall_time: wall});
        ctx.store.addMetrics(ctx.run.id, pending);
        pending = [];
        ctx.store.heartbeat(ctx.run.id, phase, completed);
      }
      if (opts.afterStep) await opts.afterStep(completed);
      if (completed % opts.checkpointEvery === 0 || completed === steps || stopping) {
        saveCheckpoint(ctx, phase, completed, model, pending);
        pending = [];
        lastCheckpoint = completed;
      }
      if (stopping && completed < steps) throw new InterruptedError(phase, completed);
    }
  } finally {
    ctx.progress.stop();
  }
}
