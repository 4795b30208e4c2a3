// The GAN phase's data-parallel worker: the frozen encoders rebuilt from their source, then this rank's trainer.
import {ExperimentConfig} from '../../config/types';
import {Dataset} from '../../data/dataset';
import {ShardPlace, ShardProgram} from '../../parallel/group';
import {fromTrainingOnly, ParallelPhase, PhaseMessage, phaseProgram, startParallelPhase, trainingOnly, WorkerDataset} from '../parallel-phase';
import {EncoderSource, encodersFromSource} from '../pretrained-encoders';
import {buildGan, GanTrainer} from './gan-trainer';

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
export function startParallelGan(trainer: GanTrainer, config: ExperimentConfig, dataset: Dataset, encoders: EncoderSource, threads: number): Promise<ParallelPhase> {
  return startParallelPhase(trainer, {module: __filename, factory: 'ganShard', args: {config, dataset: trainingOnly(dataset), encoders}}, threads);
}
