// A training phase over a data-parallel group: worker threads rebuild the same phase model on their rows of
// each batch, and the phase loop drives rank 0 as it drives a one-thread model.
import * as os from 'node:os';
import type {ExperimentConfig} from '../config/types';
import type {Dataset} from '../data/dataset';
import {Vocabulary} from '../text/vocabulary';
import {DataParallelGroup, type ShardProgram, type ShardSpec, usableThreads} from '../parallel/group';
import {activeCollective} from '../parallel/sharded-ops';
import {currentBackend} from '../core/backend';
import type {PhaseModel} from './phase-loop';

/** A phase model that can run as one rank of a group. */
export interface ShardableModel extends PhaseModel {
  /** In a data-parallel step: every rank takes rank 0's weights, optimizer moments and the counters in `extra`. */
  syncFromRoot(extra: Record<string, unknown>): void;
}

export type PhaseMessage =
  | {kind: 'step'; index: number}
  | {kind: 'sync'; extra: Record<string, unknown>}
  | {kind: 'divergence'};

export interface Divergence {
  max: number;
  tensor?: string;
}

/** Set by `scg ablate` for its worker processes: the default thread count, the cores divided among the workers. */
export const THREADS_ENV = 'SCG_DEFAULT_THREADS';

/** The GAN phase's thread count before fitting it to the batch: `runtime.threads`, else a sweep worker's share, else cores. */
export function wantedGanThreads(config: ExperimentConfig): number {
  const share = Number(process.env[THREADS_ENV]);
  return config.runtime.threads ?? (share >= 1 ? share : os.availableParallelism());
}

/**
 * Threads for a training phase on the wasm and cpu backends, which compute on one core each: GAN training takes
 * `wantedGanThreads`, pretraining `runtime.pretrainThreads` (default: the same); native tensorflow, which threads its own
 * kernels, and torch, which runs libtorch's intra-op threads on every core, always 1. Reduced to a divisor of the batch, so every thread gets the same number of rows.
 */
export function phaseThreads(config: ExperimentConfig, phase: 'pretrain' | 'train'): {threads: number; note?: string} {
  const backend = currentBackend()?.name ?? 'cpu';
  if (backend === 'tensorflow' || backend === 'torch') return {threads: 1};
  if (phase === 'pretrain')
    return usableThreads(config.runtime.pretrainThreads ?? wantedGanThreads(config), config.pretrain.batchSize);
  return usableThreads(wantedGanThreads(config), config.train.batchSize);
}

/** The dataset as a worker thread receives it: the training split, and the vocabulary as its word list. */
export interface WorkerDataset {
  dataset: Omit<Dataset, 'vocab'>;
  vocabWords: readonly string[];
}

/** What a worker needs of `dataset` (it only draws training batches), in a form that survives postMessage. */
export function trainingOnly(dataset: Dataset): WorkerDataset {
  const {vocab, ...rest} = dataset;
  return {
    dataset: {...rest, test: {...dataset.train, count: 0, images: new Uint8Array(0), captions: [], tokens: []}},
    vocabWords: vocab.words,
  };
}

/** The dataset again, in the worker thread. */
export function fromTrainingOnly(d: WorkerDataset): Dataset {
  return {...d.dataset, vocab: new Vocabulary(d.vocabWords)};
}

/** The program every rank runs for a phase: steps, state sync after a restore, and the divergence check. */
export function phaseProgram(
  model: ShardableModel,
  dispose: () => void,
): ShardProgram<PhaseMessage, Record<string, number> | Divergence | undefined> {
  return {
    handle(m) {
      if (m.kind === 'step') return model.step(m.index);
      if (m.kind === 'divergence') return stateDivergence(model);
      model.syncFromRoot(m.extra);
      return undefined;
    },
    dispose,
  };
}

/** The largest |difference| between any rank's weights and optimizer state and rank 0's (0 when in step). */
function stateDivergence(model: ShardableModel): Divergence {
  const c = activeCollective()!;
  const tensors = model.stateTensors();
  const worst: Divergence = {max: 0};
  for (const name of [...tensors.keys()].sort()) {
    const parts = c.allGather(tensors.get(name)!.dataSync() as Float32Array);
    for (const p of parts.slice(1)) {
      p.forEach((v, i) => {
        const d = Math.abs(v - parts[0]![i]!);
        if (d > worst.max) Object.assign(worst, {max: d, tensor: name});
      });
    }
  }
  return worst;
}

export interface ParallelPhase extends PhaseModel {
  /** The largest difference between a worker's state and rank 0's, and where: 0 while they stay in step (tests). */
  divergence(): Divergence;
  close(): Promise<void>;
}

/** Starts `threads − 1` worker threads (built from `spec`) around rank 0's `model`; the result steps all ranks together. */
export async function startParallelPhase<A>(
  model: ShardableModel,
  spec: ShardSpec<A>,
  threads: number,
): Promise<ParallelPhase> {
  const backend = currentBackend()?.name ?? 'cpu';
  // Rank 0's model belongs to the caller: the group must not dispose it.
  const group = await DataParallelGroup.start(
    threads,
    spec,
    backend,
    phaseProgram(model, () => undefined),
  );
  return {
    imagesPerStep: model.imagesPerStep,
    stateTensors: () => model.stateTensors(),
    stateExtra: () => model.stateExtra(),
    restore(ckpt, file) {
      model.restore(ckpt, file);
      group.run({kind: 'sync', extra: model.stateExtra()});
    },
    step: (index) => group.run({kind: 'step', index}) as Record<string, number>,
    divergence: () => group.run({kind: 'divergence'}) as Divergence,
    close: () => group.close(),
  };
}
