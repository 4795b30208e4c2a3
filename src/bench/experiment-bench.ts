// Benchmarks of a config's training steps: the pretraining step and the GAN step (with fresh encoders), the GAN
// step on one thread and, where the config trains data-parallel, on all its threads.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {ExperimentConfig} from '../config/types';
import {datasets} from '../registry';
import {writeCheckpoint} from '../runtime/checkpoint';
import {buildPretrain} from '../runtime/phases/pretrain';
import {buildGan} from '../runtime/phases/train';
import {phaseThreads} from '../runtime/parallel-phase';
import {startParallelGan} from '../runtime/phases/train-parallel';
import {benchmark, BenchResult} from './bench';

export interface PhaseBench extends BenchResult {
  /** `pretrain`, `train` (on the config's threads) or `train-1-thread`. */
  name: string;
  threads: number;
}

/** Times `steps` pretraining steps and `steps` GAN steps of the config (GAN on untrained encoders: same cost). */
export async function benchExperiment(config: ExperimentConfig, opts: {steps: number; profile: boolean}): Promise<PhaseBench[]> {
  const dataset = await datasets.get(config.dataset.name).build(config.dataset);
  const pre = buildPretrain(config, dataset);
  const out: PhaseBench[] = [];
  const {threads} = phaseThreads(config, config.train.batchSize);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-bench-'));
  try {
    let i = 0;
    out.push({name: 'pretrain', threads: 1, ...(await benchmark({step: () => pre.step(i++), forward: () => pre.losses(i), imagesPerStep: pre.imagesPerStep}, opts))});
    const gan = buildGan(config, dataset, pre.encoders);
    try {
      let j = 0;
      out.push({name: threads > 1 ? 'train-1-thread' : 'train', threads: 1, ...(await benchmark({step: () => gan.step(j++), forward: () => gan.losses(j), imagesPerStep: gan.imagesPerStep}, opts))});
    } finally {
      gan.dispose();
    }
    if (threads > 1) {
      // Worker threads rebuild the encoders from a checkpoint, as in a run.
      const file = path.join(dir, 'encoders.ckpt');
      const {sha256} = writeCheckpoint(file, {runId: 'bench', configHash: 'bench', phase: 'pretrain', step: 0, rng: {seed: config.seed, scheme: 'keyed-sfc32'}, extra: {}}, pre.params.variables);
      const rank0 = buildGan(config, dataset, pre.encoders, {rank: 0, size: threads});
      const group = await startParallelGan(rank0, config, dataset, {config: config.encoders, vocabSize: dataset.vocab.size, checkpoint: file, sha256}, threads);
      try {
        let j = 0;
        // No forward-only variant on the group: its forward time is the one-thread forward's (reported above).
        const r = await benchmark({step: () => group.step(j++), forward: () => undefined, imagesPerStep: group.imagesPerStep}, {...opts, profile: false});
        out.push({name: 'train', threads, ...r, forwardMs: NaN, stepOverForward: NaN});
      } finally {
        await group.close();
        rank0.dispose();
      }
    }
  } finally {
    pre.dispose();
    fs.rmSync(dir, {recursive: true, force: true});
  }
  return out;
}
