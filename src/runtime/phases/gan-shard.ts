// The GAN phase's data-parallel worker: the frozen encoders rebuilt from their source, then this rank's trainer.
import type {ExperimentConfig} from '../../config/types';
import type {Dataset} from '../../data/dataset';
import type {ShardPlace, ShardProgram} from '../../parallel/group';
import {
  fromTrainingOnly,
  type ParallelPhase,
  type PhaseMessage,
  phaseProgram,
  startParallelPhase,
  trainingOnly,
  type WorkerDataset,
} from '../parallel-phase';
import {type EncoderSource, encodersFromSource} from '../pretrained-encoders';
import {buildGan, type GanTrainer} from './gan-trainer';

interface GanShardArgs {
  config: ExperimentConfig;
  dataset: WorkerDataset;
  encoders: EncoderSource;
}

/** Worker-thread factory. */
export async function ganShard(args: GanShardArgs, place: ShardPlace): Promise<ShardProgram<PhaseMessage, unknown>> {
  const frozen = await encodersFromSource(args.encoders);
  const trainer = buildGan(args.config, fromTrainingOnly(args.dataset), frozen.encoders, place);
  return phaseProgram(trainer, () => {
    trainer.dispose();
    frozen.dispose();
  });
}

/** Starts the worker threads around rank 0's `trainer` (built with place {rank: 0, size: threads}). */
export function startParallelGan(
  trainer: GanTrainer,
  config: ExperimentConfig,
  dataset: Dataset,
  encoders: EncoderSource,
  threads: number,
): Promise<ParallelPhase> {
  return startParallelPhase(
    trainer,
    {module: __filename, factory: 'ganShard', args: {config, dataset: trainingOnly(dataset), encoders}},
    threads,
  );
}
