// Builds the GAN models once on encoders loaded from files, before a run row exists: what only the files reveal
// (a CLIP's layer count and patch grid, a tfjs tower's bridge shapes) stops the run with exit 2 and writes nothing.
import {Rng} from '../core/rng';
import type {ExperimentConfig} from '../config/types';
import type {Dataset} from '../data/dataset';
import {ParamSet} from '../nn/params';
import {backbones} from '../registry';
import type {FileEncoderDescriptor} from '../registry/encoders/descriptor';

export async function checkGanBuilds(
  config: ExperimentConfig,
  dataset: Dataset,
  entry: FileEncoderDescriptor,
): Promise<void> {
  const loaded = await entry.load(config.encoders, {vocab: dataset.vocab, maxWords: config.dataset.maxWords});
  const g = new ParamSet('g', Rng.for(config.seed, 'build-check', 'g'));
  const d = new ParamSet('d', Rng.for(config.seed, 'build-check', 'd'));
  try {
    backbones.get(config.backbone.name).build(config.backbone, {
      resolution: dataset.resolution,
      embedDim: loaded.encoders.embedDim,
      g,
      d,
      encoders: loaded.encoders,
    });
  } finally {
    g.dispose();
    d.dispose();
    loaded.dispose();
  }
}
