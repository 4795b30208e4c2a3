// What a dataset registry entry provides: its label kind, its config keys, and a builder.
import type {Dataset, LabelKind} from '../../data/dataset';
import type {Descriptor, OwnConfig, TypedSchema} from '../registry';
import {defineProperties, type Properties, type Resolved} from '../../core/json-schema';

/** The dataset section of an experiment config, after defaults: the keys every dataset has, typed; the entry's own. */
export type DatasetConfig = {name: string} & Resolved<typeof commonDatasetProperties> & {[key: string]: unknown};

/** A dataset section as the entry whose schema is `P` (required keys `R`) sees it: every key typed. */
export type DatasetSection<P extends Properties, R extends string = never> = {name: string} & OwnConfig<P, R>;

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
export function damsmMaskProperty(byDefault: 'same-label' | 'none', original: string) {
  return defineProperties({
    damsmMask: {
      type: 'string',
      enum: ['same-label', 'none'],
      default: byDefault,
      description: `DAMSM negatives, both phases: same-label leaves images with the caption's label (set) out of its negatives; none keeps every other image. Default: ${byDefault} (${original}).`,
    },
  });
}

export const commonDatasetProperties = defineProperties({
  resolution: {
    type: 'integer',
    enum: [16, 32, 64, 128, 224, 256],
    default: 32,
    description:
      "Side of the square training images, in pixels. 224 is GALIP's (galip on a clip encoder); the other backbones need a power of two.",
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
});

/** A dataset entry as written: its schema's properties keep their literal types, so `build` gets typed keys. */
export interface DatasetEntry<P extends Properties, R extends string>
  extends Omit<DatasetDescriptor, 'schema' | 'build'> {
  readonly schema: TypedSchema<P, R>;
  build(cfg: DatasetSection<P, R>, opts?: DatasetBuildOptions): Promise<Dataset>;
}

/** Declares a dataset entry; the loader validates its section against this schema (defaults filled) first. */
export function defineDataset<const P extends Properties, const R extends string = never>(
  entry: DatasetEntry<P, R>,
): DatasetDescriptor {
  // The one place the validated section meets its type: ajv has checked it against `entry.schema` by now.
  return {...entry, build: (cfg, opts) => entry.build(cfg as DatasetSection<P, R>, opts)};
}
