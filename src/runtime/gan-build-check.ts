// Builds the GAN models once, on fresh or file-loaded encoders, before a run row exists: what only a build reveals
// (a CLIP's layer count, a tfjs tower's bridge shapes, a resolution a bridge cannot split) stops the run with
// exit 2 and writes nothing.
import {Rng} from '../core/rng';
import type {ExperimentConfig} from '../config/types';
import type {Dataset} from '../data/dataset';
import {ParamSet} from '../nn/params';
import {backbones, encoders} from '../registry';
import type {EncoderPair} from '../registry/encoders/descriptor';

export async function checkGanBuilds(config: ExperimentConfig, dataset: Dataset): Promise<void> {
  const entry = encoders.get(config.encoders.name);
  const rng = (what: string) => Rng.for(config.seed, 'build-check', what);
  const held = new ParamSet('encoders', rng('encoders'));
  const g = new ParamSet('g', rng('g'));
  const d = new ParamSet('d', rng('d'));
  let pair: EncoderPair | undefined;
  let release = () => {};
  try {
    if (entry.kind === 'files') {
      const loaded = await entry.load(config.encoders, {vocab: dataset.vocab, maxWords: config.dataset.maxWords});
      [pair, release] = [loaded.encoders, () => loaded.dispose()];
    } else {
      pair = await entry.build(config.encoders, {vocabSize: dataset.vocab.size, params: held});
      release = () => pair?.dispose?.();
    }
    backbones.get(config.backbone.name).build(config.backbone, {
      resolution: dataset.resolution,
      embedDim: pair.embedDim,
      g,
      d,
      encoders: pair,
    });
  } finally {
    for (const p of [g, d, held]) p.dispose();
    release();
  }
}
