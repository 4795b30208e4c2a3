// The GAN phase over a data-parallel group: worker threads rebuild the same trainer on their rows of each batch,
// and the phase loop drives rank 0 as it drives a one-thread trainer.
import * as os from 'node:os';
import {ExperimentConfig} from '../../config/types';
import {Dataset} from '../../data/dataset';
import {activeCollective} from '../../parallel/sharded-ops';
import {DataParallelGroup, ShardPlace, ShardProgram, usableThreads} from '../../parallel/group';
import {currentBackend} from '../backend';
import {PhaseModel} from '../phase-loop';
import {EncoderSource, encodersFromCheckpoint} from '../pretrained-encoders';
import {buildGan, GanTrainer} from './train';

type GanMessage = {kind: 'step'; index: number} | {kind: 'sync'; extra: Record<string, unknown>} | {kind: 'divergence'};

interface GanShardArgs {
  config: ExperimentConfig;
  /** The dataset without its vocabulary and test split (a worker only draws training batches). */
  dataset: Dataset;
  encoders: EncoderSource;
}

function program(trainer: GanTrainer, dispose: () => void): ShardProgram<GanMessage, Record<string, number> | {max: number; tensor?: string} | undefined> {
  return {
    handle(m) {
      if (m.kind === 'step') return trainer.step(m.index);
      if (m.kind === 'divergence') return stateDivergence(trainer);
      trainer.syncFromRoot(m.extra);
      return undefined;
    },
    dispose,
  };
}

/** The largest |difference| between any rank's weights and optimizer state and rank 0's (0 when in step). */
function stateDivergence(trainer: GanTrainer): {max: number; tensor?: string} {
  const c = activeCollective()!;
  const tensors = trainer.stateTensors();
  const worst: {max: number; tensor?: string} = {max: 0};
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

/** Worker-thread factory: the frozen encoders from their checkpoint, then this rank's trainer. */
export function ganShard(args: GanShardArgs, place: ShardPlace): ShardProgram<GanMessage, unknown> {
  const {encoders, params} = encodersFromCheckpoint(args.encoders);
  const trainer = buildGan(args.config, args.dataset, encoders, place);
  return program(trainer, () => {
    trainer.dispose();
    params.dispose();
  });
}

/** Set by `scg ablate` for its worker processes: the default thread count, the cores divided among the workers. */
export const THREADS_ENV = 'SCG_DEFAULT_THREADS';

/**
 * Threads for GAN training: `runtime.threads` (default: the machine's cores, or a sweep worker's share of them)
 * on the wasm and cpu backends, which compute on one core each; 1 on native tensorflow, which threads its own
 * kernels. Reduced to a divisor of the batch, so every thread gets the same number of rows.
 */
export function ganThreads(config: ExperimentConfig): {threads: number; note?: string} {
  const backend = currentBackend()?.name ?? 'cpu';
  if (backend === 'tensorflow') return {threads: 1};
  const share = Number(process.env[THREADS_ENV]);
  return usableThreads(config.runtime.threads ?? (share >= 1 ? share : os.availableParallelism()), config.train.batchSize);
}

export interface ParallelGan extends PhaseModel {
  /** The largest difference between a worker's state and rank 0's, and where: 0 while they stay in step (tests). */
  divergence(): {max: number; tensor?: string};
  close(): Promise<void>;
}

/** Starts the worker threads around rank 0's `trainer`; the returned model steps all ranks together. */
export async function startParallelGan(trainer: GanTrainer, config: ExperimentConfig, dataset: Dataset, encoders: EncoderSource, threads: number): Promise<ParallelGan> {
  const args: GanShardArgs = {config, dataset: {...dataset, vocab: undefined as never, test: {...dataset.train, count: 0, images: new Uint8Array(0), captions: [], tokens: []}}, encoders};
  const backend = currentBackend()?.name ?? 'cpu';
  // Rank 0's trainer belongs to the caller: the group must not dispose it.
  const group = await DataParallelGroup.start(threads, {module: __filename, factory: 'ganShard', args}, backend, program(trainer, () => undefined));
  return {
    imagesPerStep: trainer.imagesPerStep,
    stateTensors: () => trainer.stateTensors(),
    stateExtra: () => trainer.stateExtra(),
    restore(ckpt, file) {
      trainer.restore(ckpt, file);
      group.run({kind: 'sync', extra: trainer.stateExtra()});
    },
    step: (index) => group.run({kind: 'step', index}) as Record<string, number>,
    divergence: () => group.run({kind: 'divergence'}) as {max: number; tensor?: string},
    close: () => group.close(),
  };
}
