// What a dataset registry entry provides: its label kind, its config keys, and a builder.
import type {Dataset, LabelKind} from '../../data/dataset';
import type {Descriptor, JsonSchema} from '../registry';

/** The dataset section of an experiment config, after defaults (entry-specific keys included). */
export interface DatasetConfig {
  name: string;
  resolution: number;
  captionsPerImage: number;
  labelNoise: number;
  maxWords: number;
  [key: string]: unknown;
}

export interface DatasetBuildOptions {
  log?: (line: string) => void;
  quiet?: boolean | undefined;
}

export interface DatasetDescriptor extends Descriptor {
  /** `single`: one class per image (CUB-like); `multi`: a set of categories (COCO-like). */
  readonly labelKind: LabelKind;
  /** Builds the dataset; `log` gets status lines (cache hits, skipped files), `quiet` turns off progress bars. */
  build(cfg: DatasetConfig, opts?: DatasetBuildOptions): Promise<Dataset>;
}

/** Keys every dataset has; entries spread these into their own schema. */
/**
 * Which pairs DAMSM leaves out of a caption's negatives: `same-label` (other images of its class or with its exact
 * label set; AttnGAN on CUB, whose class ids are species) or `none` (AttnGAN on COCO, whose class ids are per image).
 */
export function damsmMaskProperty(byDefault: 'same-label' | 'none', original: string): Record<string, JsonSchema> {
  return {
    damsmMask: {
      type: 'string',
      enum: ['same-label', 'none'],
      default: byDefault,
      description: `DAMSM negatives, both phases: same-label leaves images with the caption's label (set) out of its negatives; none keeps every other image. Default: ${byDefault} (${original}).`,
    },
  };
}

export const commonDatasetProperties: Record<string, JsonSchema> = {
  resolution: {
    type: 'integer',
    enum: [16, 32, 64, 128, 256],
    default: 32,
    description: 'Side of the square training images, in pixels.',
  },
  captionsPerImage: {
    type: 'integer',
    minimum: 2,
    maximum: 10,
    default: 5,
    description: 'Captions per image; two different ones feed the two branches.',
  },
  labelNoise: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Fraction of training labels replaced by a wrong label (reproducible from dataset.seed).',
  },
  maxWords: {
    type: 'integer',
    minimum: 2,
    maximum: 64,
    default: 16,
    description: 'Captions are truncated to this many words.',
  },
};
