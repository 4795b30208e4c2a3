// Before a large run on wasm writes anything: one step of each phase at the smallest batch, to refuse (exit 2) a model
// whose steps cannot fit the wasm heap, instead of failing at that phase's first step hours into the run.
import * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../config/types';
import type {Dataset} from '../data/dataset';
import {ScgError} from '../errors';
import {encoders} from '../registry';
import {WASM_HEAP_BYTES, isWasmHeapExhausted, wasmHeapError} from '../core/wasm-heap';
import {phaseThreads} from './parallel-phase';
import {buildGan} from './phases/gan-trainer';
import {buildPretrain} from './phases/pretrain';
import {encodersFromSource} from './pretrained-encoders';
import type {EncoderPair} from '../registry/encoders/descriptor';

/** Configs at this resolution or above are probed (the built-in presets, at 16–64 px, fit with room to spare). */
export const PREFLIGHT_RESOLUTION = 128;

/** The share of the heap an estimate may fill: tfjs counts tensors, not the kernels' scratch or fragmentation. */
const HEADROOM = 0.85;

/** What one probe step measured, and the estimate for the configured batch. */
export interface PhaseEstimate {
  phase: 'pretrain' | 'train';
  /** Rows per thread the run will use, and the probe's rows. */
  rows: number;
  probeRows: number;
  /** Bytes of tensors before the step (weights and optimizer state) and at the step's peak. */
  heldBytes: number;
  probePeakBytes: number;
  /** Bytes of trainable weights (their gradients live at the peak whatever the batch). */
  gradientBytes: number;
  /** held + gradients + the per-row rest of the probe's peak × rows. */
  estimateBytes: number;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;

/** The peak of `rows` rows per thread, from a probe at `probe.rows` (activations scale with rows; weights do not). */
export function extrapolate(
  probe: {rows: number; heldBytes: number; peakBytes: number; gradientBytes: number},
  rows: number,
): number {
  const perRow = Math.max(0, probe.peakBytes - probe.heldBytes - probe.gradientBytes) / probe.rows;
  return probe.heldBytes + probe.gradientBytes + perRow * rows;
}

async function probe(
  phase: 'pretrain' | 'train',
  rows: number,
  model: {step(i: number): unknown; dispose(): void},
  trainable: Iterable<tf.Tensor>,
): Promise<PhaseEstimate> {
  try {
    const heldBytes = tf.memory().numBytes;
    let gradientBytes = 0;
    for (const v of trainable) gradientBytes += v.size * 4;
    const info = await tf.profile(() => {
      model.step(0);
    });
    const p = {rows: 2, heldBytes, peakBytes: info.peakBytes, gradientBytes};
    return {
      phase,
      rows,
      probeRows: 2,
      heldBytes,
      probePeakBytes: info.peakBytes,
      gradientBytes,
      estimateBytes: extrapolate(p, rows),
    };
  } finally {
    model.dispose();
  }
}

/**
 * Probes the config's phases on the wasm backend with batch 2 and returns the estimates; throws BAD_INPUT (exit 2)
 * when a probe step runs out of the heap, or an estimate for the configured rows per thread exceeds `heapBytes` ×
 * headroom. Nothing is stored: the run row does not exist yet.
 */
export async function wasmPreflight(
  config: ExperimentConfig,
  dataset: Dataset,
  heapBytes = WASM_HEAP_BYTES,
): Promise<PhaseEstimate[]> {
  const small: ExperimentConfig = {
    ...config,
    pretrain: {...config.pretrain, batchSize: 2},
    train: {...config.train, batchSize: 2},
  };
  const estimates: PhaseEstimate[] = [];
  const rowsOf = (phase: 'pretrain' | 'train') => {
    const batch = phase === 'pretrain' ? config.pretrain.batchSize : config.train.batchSize;
    return batch / phaseThreads(config, phase).threads;
  };
  let encoderDispose: (() => void) | undefined;
  try {
    const entry = encoders.get(config.encoders.name);
    let pair: EncoderPair;
    if (entry.kind === 'trained') {
      const pre = await buildPretrain(small, dataset);
      if (config.phases.includes('pretrain'))
        estimates.push(await probe('pretrain', rowsOf('pretrain'), pre, pre.params.variables.values()));
      else pre.dispose();
      // The GAN phase's encoders are frozen: fresh ones cost what trained ones cost.
      const fresh = await buildPretrain(small, dataset);
      pair = fresh.encoders;
      encoderDispose = () => fresh.dispose();
    } else {
      const loaded = await encodersFromSource({
        kind: 'files',
        config: config.encoders,
        vocabWords: dataset.vocab.words,
        maxWords: config.dataset.maxWords,
      });
      pair = loaded.encoders;
      encoderDispose = () => loaded.dispose();
    }
    if (config.phases.includes('train')) {
      const gan = buildGan(small, dataset, pair);
      const trainable = [...gan.stateTensors()].filter(([n]) => n.endsWith('/adam_m')).map(([, t]) => t);
      estimates.push(await probe('train', rowsOf('train'), gan, trainable));
    }
  } catch (err) {
    if (isWasmHeapExhausted(err))
      throw wasmHeapError(err, 'wasm preflight (one step at batch 2, before the run starts)');
    throw err;
  } finally {
    encoderDispose?.();
  }
  const over = estimates.find((e) => e.estimateBytes > HEADROOM * heapBytes);
  if (over) {
    throw new ScgError(
      'BAD_INPUT',
      `${over.phase}: a step at ${over.rows} rows per thread needs about ${gib(over.estimateBytes)} of tensors (measured ${gib(over.probePeakBytes)} at ${over.probeRows} rows: ${gib(over.heldBytes)} of weights and optimizer state, ${gib(over.gradientBytes)} of gradients, the rest per row), more than the wasm heap's ${gib(heapBytes)} per thread can hold`,
      {
        hint: 'train it on the torch backend (README: install), or lower the batch (more runtime.threads split it), dataset.resolution or the backbone widths',
      },
    );
  }
  return estimates;
}
