// What an encoders registry entry provides: a text and an image encoder into one embedding space.
import type * as tf from '@tensorflow/tfjs';
import type {ParamSet} from '../../nn/params';
import type {Vocabulary} from '../../text/vocabulary';
import type {Descriptor} from '../registry';

export interface EncoderConfig {
  name: string;
  embedDim: number;
  [key: string]: unknown;
}

/** Where a thread's rows sit in the whole batch of a data-parallel step. */
export interface BatchRows {
  /** Index in the whole batch of each row this thread holds. */
  rows: number[];
  /** Rows in the whole batch. */
  total: number;
}

export interface TextEncoding {
  words: tf.Tensor3D;
  sentence: tf.Tensor2D;
}

export interface ImageEncoding {
  regions: tf.Tensor3D;
  global: tf.Tensor2D;
}

export interface EncoderPair {
  embedDim: number;
  /**
   * tokens `[B, T]` int32, mask `[B, T]`; a dropout seed means training mode. In a data-parallel step, `rows`
   * says which rows of the whole batch these are: dropout then draws the whole batch's mask and keeps these rows,
   * as one thread would have.
   */
  encodeText(tokens: tf.Tensor2D, mask: tf.Tensor2D, dropoutSeed?: number, rows?: BatchRows): TextEncoding;
  /** images `[B, res, res, 3]` in [-1, 1]. */
  encodeImage(images: tf.Tensor4D): ImageEncoding;
  /** Variable names of the text encoder (gradient clipping applies to them). */
  textVariableNames(): string[];
  /** The image encoder split in two, for backbones that bridge through it (GALIP); absent if it cannot split. */
  imageLayers?: ImageLayers;
}

/**
 * The image encoder's inner layers, for backbones that run generator or discriminator features through the
 * frozen encoder (GALIP): `lower` maps images to a feature map, `upper` maps such a map to the region-code map.
 */
export interface ImageLayers {
  /** `[side, channels]` of `lower`'s output and of `upper`'s output for images of `resolution`. */
  shapes(resolution: number): {lower: [number, number]; upper: [number, number]};
  lower(images: tf.Tensor4D): tf.Tensor4D;
  upper(h: tf.Tensor4D): tf.Tensor4D;
}

/** Encoders whose weights scg's pretraining phase trains (and checkpoints). */
export interface TrainedEncoderDescriptor extends Descriptor {
  readonly kind: 'trained';
  build(cfg: EncoderConfig, ctx: {vocabSize: number; params: ParamSet}): EncoderPair;
}

/** Encoders loaded frozen from files on disk: nothing to pretrain; the GAN phase uses them as they are. */
export interface FileEncoderDescriptor extends Descriptor {
  readonly kind: 'files';
  /** Checks the files exist and parse, without loading the models (before a run row is created). */
  check(cfg: EncoderConfig): void;
  /** Loads the encoders for a dataset's vocabulary and caption length (token ids are the dataset's; the loader maps them). */
  load(cfg: EncoderConfig, ctx: {vocab: Vocabulary; maxWords: number}): Promise<LoadedEncoders>;
}

export interface LoadedEncoders {
  encoders: EncoderPair;
  /** Dataset words the loaded model does not know (they are encoded as its unknown token). */
  unknownWords: string[];
  /** The weights' identity: the sha256 of the checkpoint or of the folder's files they were loaded from. */
  sha256: string;
  dispose(): void;
}

export type EncoderDescriptor = TrainedEncoderDescriptor | FileEncoderDescriptor;
