// What a backbone registry entry provides: its knobs (config keys) and a builder of its G and D for the GAN phase.
import type * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../nn/batch-norm';
import type {DamsmGammas} from './shared/damsm-gammas';
import type {ParamSet} from '../../nn/params';
import type {Descriptor, OwnConfig, TypedSchema} from '../registry';
import type {Properties} from '../../core/json-schema';
import type {EncoderPair} from '../encoders/descriptor';

/** A backbone section as the experiment sees it: the entry's name and its keys (typed inside the entry). */
export interface BackboneConfig {
  name: string;
  [key: string]: unknown;
}

/** A backbone section as the entry `P` describes sees it: every key typed from the entry's schema. */
export type BackboneSection<P extends Properties> = {name: string} & OwnConfig<P>;

/** What the generator is conditioned on, for a batch of n (both branches stacked: n = 2·batch). */
export interface GeneratorInputs {
  /** `[n, zDim]` noise. */
  noise: tf.Tensor2D;
  /** `[n, condDim]` ε of conditioning augmentation (zeros: the mean code). */
  caNoise: tf.Tensor2D;
  sentence: tf.Tensor2D;
  words: tf.Tensor3D;
  wordMask: tf.Tensor2D;
}

export interface GeneratorOutput {
  /** One image batch per stage, in [-1, 1]; the last is at the dataset resolution. */
  images: tf.Tensor4D[];
  /** Conditioning-augmentation KL (0 for backbones without it). */
  kl: tf.Scalar;
  /** Per refinement stage: attention `[n, H·W, T]` (AttnGAN), memory addressing (DM-GAN), masks (SSA-GAN). */
  maps: tf.Tensor[];
}

/** A loss and its named parts (logged separately). */
export interface LossTerms {
  loss: tf.Scalar;
  terms: Record<string, tf.Scalar>;
}

export interface GanModel {
  readonly zDim: number;
  readonly condDim: number;
  /** Output resolution of every generator stage. */
  readonly stageResolutions: number[];
  readonly g: ParamSet;
  readonly d: ParamSet;
  /** Weight of the DAMSM term in the G loss (0 for backbones that do not use it). */
  readonly lambdaDamsm: number;
  /** γ1, γ2, γ3 of that DAMSM term (pretraining has its own, in `pretrain`). */
  readonly damsmGammas: DamsmGammas;
  readonly lambdaKl: number;
  /** Moving-average decay of G's weights for samples (0 = off). */
  readonly ema: number;
  /** The last of `maps` is a `[n, h, w, 1]` mask in [0, 1] worth showing next to the samples (SSA-GAN). */
  readonly masks?: boolean;
  generate(inputs: GeneratorInputs, mode: BatchNormMode): GeneratorOutput;
  /**
   * D loss of one step. `reals[s]` are the batch's real images at stage s (`[B, …]`); `fakes[s]` are both
   * branches' generated images (`[2B, …]`, no gradient to G); `sentences` the two branches' sentence codes.
   * Terms are summed over branches, as the paper's two branches each form a full GAN batch.
   */
  discriminatorLoss(reals: tf.Tensor4D[], fakes: tf.Tensor4D[], sentences: [tf.Tensor2D, tf.Tensor2D]): LossTerms;
  /**
   * A second D loss that takes its own optimizer step after `discriminatorLoss`'s (SSA-GAN's MA-GP: its training
   * loop calls `optimizerD.step()` once for the hinge loss and once for the penalty). Unset: one D step.
   */
  discriminatorPenalty?(reals: tf.Tensor4D[], sentences: [tf.Tensor2D, tf.Tensor2D]): LossTerms;
  /** Adversarial part of the G loss for both branches' fakes (`[2B, …]` per stage). */
  generatorLoss(fakes: tf.Tensor4D[], sentences: [tf.Tensor2D, tf.Tensor2D]): LossTerms;
}

export interface BackboneContext {
  /** Dataset resolution: the last generator stage's output size. */
  resolution: number;
  /** Size of the encoders' sentence and word codes. */
  embedDim: number;
  g: ParamSet;
  d: ParamSet;
  /** The frozen pretrained encoders (GALIP runs features through them). Never trained by the GAN phase. */
  encoders: EncoderPair;
}

export interface BackboneDescriptor extends Descriptor {
  /** Knob values for a tiny model that trains in a test in about a second (registry-driven tests use them). */
  readonly tiny: Record<string, unknown>;
  /** The generator runs features through the image encoder's inner layers (`EncoderPair.imageLayers`), as GALIP's. */
  readonly bridgesImageEncoder?: boolean;
  /**
   * Checks the knobs against the resolution; returns the problem with the config path it is about (from the
   * config's root, e.g. `['backbone', 'stages']` or `['dataset', 'resolution']`), or undefined.
   */
  check?(cfg: BackboneConfig, resolution: number): {path: string[]; message: string} | undefined;
  build(cfg: BackboneConfig, ctx: BackboneContext): GanModel;
}

/** A backbone entry as written: its schema's properties keep their literal types, so `check` and `build` get typed keys. */
export interface BackboneEntry<P extends Properties>
  extends Omit<BackboneDescriptor, 'schema' | 'tiny' | 'check' | 'build'> {
  readonly schema: TypedSchema<P>;
  /** Knob values for a tiny model: a subset of the entry's own keys, typed. */
  readonly tiny: Partial<OwnConfig<P>>;
  check?(cfg: BackboneSection<P>, resolution: number): {path: string[]; message: string} | undefined;
  build(cfg: BackboneSection<P>, ctx: BackboneContext): GanModel;
}

/**
 * Declares a backbone entry. The loader validates its section against this same schema, defaults filled, before
 * `check` or `build` sees it, so the typed section is what they receive.
 */
export function defineBackbone<const P extends Properties>(entry: BackboneEntry<P>): BackboneDescriptor {
  return entry;
}
