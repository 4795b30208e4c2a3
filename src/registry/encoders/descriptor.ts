// What an encoders registry entry provides: a text and an image encoder into one embedding space.
import * as tf from '@tensorflow/tfjs';
import {ParamSet} from '../../nn/params';
import {Descriptor} from '../registry';

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
  /**
   * The image encoder's inner layers, for backbones that run generator or discriminator features through the
   * frozen encoder (GALIP): `lower` maps images to `[n, res/2, res/2, C]`; `upper` maps such features to the
   * region-code map `[n, res/4, res/4, embedDim]`.
   */
  imageLayers?: {lowerChannels: number; lower(images: tf.Tensor4D): tf.Tensor4D; upper(h: tf.Tensor4D): tf.Tensor4D};
}

export interface EncoderDescriptor extends Descriptor {
  build(cfg: EncoderConfig, ctx: {vocabSize: number; params: ParamSet}): EncoderPair;
}
