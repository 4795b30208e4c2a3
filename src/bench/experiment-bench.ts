// Benchmarks of a config's training steps: the pretraining step and the GAN step (with fresh encoders).
import {ExperimentConfig} from '../config/types';
import {datasets} from '../registry';
import {buildPretrain} from '../runtime/phases/pretrain';
import {buildGan} from '../runtime/phases/train';
import {benchmark, BenchResult} from './bench';

export interface PhaseBench extends BenchResult {
  phase: 'pretrain' | 'train';
}

/** Times `steps` pretraining steps and `steps` GAN steps of the config (GAN on untrained encoders: same cost). */
export async function benchExperiment(config: ExperimentConfig, opts: {steps: number; profile: boolean}): Promise<PhaseBench[]> {
  const dataset = await datasets.get(config.dataset.name).build(config.dataset);
  const pre = buildPretrain(config, dataset);
  const out: PhaseBench[] = [];
  try {
    let i = 0;
    out.push({phase: 'pretrain', ...(await benchmark({step: () => pre.step(i++), forward: () => pre.losses(i), imagesPerStep: pre.imagesPerStep}, opts))});
    const gan = buildGan(config, dataset, pre.encoders);
    try {
      let j = 0;
      out.push({phase: 'train', ...(await benchmark({step: () => gan.step(j++), forward: () => gan.losses(j), imagesPerStep: gan.imagesPerStep}, opts))});
    } finally {
      gan.dispose();
    }
  } finally {
    pre.dispose();
  }
  return out;
}
