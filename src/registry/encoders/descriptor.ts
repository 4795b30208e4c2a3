// What an encoders registry entry provides: a text and an image encoder into one embedding space.
import type * as tf from '@tensorflow/tfjs';
import type {ParamSet} from '../../nn/params';
import type {Vocabulary} from '../../text/vocabulary';
import type {Descriptor, EntryProblem, OwnConfig, TypedSchema} from '../registry';
import type {Properties} from '../../core/json-schema';

/** The encoders section as the experiment sees it: the entry's name and its keys (typed inside the entry). */
export interface EncoderConfig {
  name: string;
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
  /** The image encoder's transformer stages, when it is a ViT (a loaded CLIP): GALIP bridges and discriminates on them. */
  vit?: VisionTransformer;
  /**
   * sha256 of frozen weights the pair loaded from files besides its variables (an Inception-v3 trunk); the
   * pretraining checkpoints record it, so a GAN phase restoring them onto other files is refused.
   */
  frozenSha256?: string;
  /** Frees what the pair holds besides its variables (a loaded model); its variables belong to the ParamSet. */
  dispose?(): void;
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

/**
 * A frozen ViT image encoder in stages, as GALIP uses CLIP's: the generator's map enters as patch tokens (with
 * prompt tokens appended inside layers), and the discriminator reads the patch tokens after several layers.
 */
export interface VisionTransformer {
  /** Token width, patch grid side and layer count. */
  width: number;
  grid: number;
  layers: number;
  /** Images `[B, res, res, 3]` in [-1, 1] → the patch-embedding map `[B, grid, grid, width]` (input mapping included). */
  patchMap(images: tf.Tensor4D): tf.Tensor4D;
  /** A `[B, grid, grid, width]` map → tokens `[B, 1 + grid², width]` (class token, positions, pre-norm). */
  tokens(map: tf.Tensor4D): tf.Tensor3D;
  /** Layer `i` on tokens `[B, N, width]`; N may include appended prompt tokens. */
  layer(i: number, x: tf.Tensor3D): tf.Tensor3D;
  /** Tokens `[B, 1 + grid², width]` → the patch tokens as a map `[B, grid, grid, width]`. */
  tokenMap(x: tf.Tensor3D): tf.Tensor4D;
  /** The last layer's tokens → the image code `[B, embedDim]` (what `encodeImage` returns as `global`). */
  code(x: tf.Tensor3D): tf.Tensor2D;
}

/** What the rest of the experiment asks of the encoders, for an entry's config check. */
export interface EncoderNeeds {
  /** The backbone runs features through the image encoder's inner layers (GALIP): `imageLayers` must exist. */
  bridge: boolean;
}

/** Encoders whose weights scg's pretraining phase trains (and checkpoints). */
export interface TrainedEncoderDescriptor extends Descriptor {
  readonly kind: 'trained';
  /** A problem with the section that the schema cannot express, found when the config loads. */
  check?(cfg: EncoderConfig, needs: EncoderNeeds): EntryProblem | undefined;
  /** Checks files the entry loads exist and parse (before a run row is created); BAD_INPUT if not. */
  checkFiles?(cfg: EncoderConfig): void;
  /** Builds the pair; its variables go into `params` (what pretraining trains), anything else it loads is frozen. */
  build(cfg: EncoderConfig, ctx: {vocabSize: number; params: ParamSet}): Promise<EncoderPair>;
}

/** Encoders loaded frozen from files on disk: nothing to pretrain; the GAN phase uses them as they are. */
export interface FileEncoderDescriptor extends Descriptor {
  readonly kind: 'files';
  /** Checks the files exist and parse, without loading the models (before a run row is created). */
  checkFiles(cfg: EncoderConfig): void;
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

/** An encoders section as the entry whose schema is `P` (required keys `R`) sees it: every key typed. */
export type EncoderSection<P extends Properties, R extends string = never> = {name: string} & OwnConfig<P, R>;

/** A trained encoders entry as written: its schema's properties keep their literal types, so `build` gets typed keys. */
export interface TrainedEncoderEntry<P extends Properties>
  extends Omit<TrainedEncoderDescriptor, 'schema' | 'check' | 'checkFiles' | 'build'> {
  readonly schema: TypedSchema<P>;
  check?(cfg: EncoderSection<P>, needs: EncoderNeeds): EntryProblem | undefined;
  checkFiles?(cfg: EncoderSection<P>): void;
  build(cfg: EncoderSection<P>, ctx: {vocabSize: number; params: ParamSet}): Promise<EncoderPair>;
}

/** A files encoders entry as written, typed like `TrainedEncoderEntry`. */
export interface FileEncoderEntry<P extends Properties, R extends string>
  extends Omit<FileEncoderDescriptor, 'schema' | 'checkFiles' | 'load'> {
  readonly schema: TypedSchema<P, R>;
  checkFiles(cfg: EncoderSection<P, R>): void;
  load(cfg: EncoderSection<P, R>, ctx: {vocab: Vocabulary; maxWords: number}): Promise<LoadedEncoders>;
}

// The loader has validated a section against its entry's schema (defaults filled) before these see it.
/** Declares a trained encoders entry. */
export function defineTrainedEncoders<const P extends Properties>(entry: TrainedEncoderEntry<P>): EncoderDescriptor {
  const typed = (cfg: EncoderConfig) => cfg as EncoderSection<P>;
  const {check, checkFiles} = entry;
  return {
    ...entry,
    ...(check ? {check: (cfg: EncoderConfig, needs: EncoderNeeds) => check(typed(cfg), needs)} : {}),
    ...(checkFiles ? {checkFiles: (cfg: EncoderConfig) => checkFiles(typed(cfg))} : {}),
    build: (cfg, ctx) => entry.build(typed(cfg), ctx),
  };
}

/** Declares a files encoders entry. */
export function defineFileEncoders<const P extends Properties, const R extends string = never>(
  entry: FileEncoderEntry<P, R>,
): EncoderDescriptor {
  const typed = (cfg: EncoderConfig) => cfg as EncoderSection<P, R>;
  return {
    ...entry,
    checkFiles: (cfg) => entry.checkFiles(typed(cfg)),
    load: (cfg, ctx) => entry.load(typed(cfg), ctx),
  };
}
