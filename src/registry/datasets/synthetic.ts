// Shared builder of the built-in synthetic datasets: per-image seeded generation, split, labels, vocabulary.
import {assembleDataset, type RawSplit} from '../../data/assemble';
import {checkImageMemory} from '../../data/memory-budget';
import type {Dataset, LabelKind} from '../../data/dataset';
import {Rng} from '../../core/rng';
import {type BackgroundName, renderImage, type ShapeItem} from './shapes-render';
import type {commonDatasetProperties, DatasetSection} from './descriptor';
import {defineProperties} from '../../core/json-schema';

export interface SyntheticSample {
  items: ShapeItem[];
  background: BackgroundName;
  captions: string[];
  /** Class (single) or category set (multi). */
  label: number | number[];
}

/** What the synthetic builder reads of a dataset section (the common keys and `syntheticProperties`). */
export type SyntheticConfig = DatasetSection<typeof commonDatasetProperties & typeof syntheticProperties>;

/**
 * Generates `size` samples; sample i depends only on (dataset.seed, i), so changing `size` keeps the first
 * images. The last ⌈testFraction·size⌉ samples are the test split; label noise touches only train.
 */
export async function buildSynthetic(
  name: string,
  labelKind: LabelKind,
  classNames: string[],
  cfg: SyntheticConfig,
  makeSample: (rng: Rng, captionsPerImage: number) => SyntheticSample,
): Promise<Dataset> {
  const res = cfg.resolution;
  checkImageMemory(`dataset '${name}'`, cfg.size, res, 'dataset.size, dataset.resolution');
  const nTest = Math.max(1, Math.ceil(cfg.testFraction * cfg.size));
  const nTrain = cfg.size - nTest;
  const make = (from: number, count: number): RawSplit => {
    const images = new Uint8Array(count * res * res * 3);
    const captions: string[][] = [];
    const raw: (number | number[])[] = [];
    for (let k = 0; k < count; k++) {
      const rng = Rng.for(cfg.seed, name, from + k);
      const s = makeSample(rng, cfg.captionsPerImage);
      renderImage(images, k * res * res * 3, res, s.background, s.items, rng);
      captions.push(s.captions);
      raw.push(s.label);
    }
    return {images, count, captions, raw};
  };
  const train = make(0, nTrain);
  const test = make(nTrain, nTest);
  return assembleDataset(train, test, {
    name,
    resolution: res,
    labelKind,
    classNames,
    maxWords: cfg.maxWords,
    seed: cfg.seed,
    labelNoise: cfg.labelNoise,
  });
}

/** Keys of the synthetic datasets beyond the common ones. */
export const syntheticProperties = defineProperties({
  size: {
    type: 'integer',
    minimum: 8,
    maximum: 200000,
    default: 2000,
    description: 'Number of generated images (train + test).',
  },
  testFraction: {
    type: 'number',
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.1,
    description: 'Share of images held out as the test split.',
  },
  seed: {
    type: 'integer',
    minimum: 0,
    default: 0,
    description: 'Seed of the generated data (separate from the experiment seed, so seeds vary training, not data).',
  },
});
