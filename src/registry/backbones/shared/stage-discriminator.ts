// One discriminator per generator stage (AttnGAN's D_NET64/128/256): image → 4×4 features → an unconditional
// logit and a sentence-conditioned logit (the sentence tiled over 4×4, a joint 3×3 block, a 4×4 conv). With
// `norm: spectral`, DM-GAN's version of the same: spectrally normalised, biased convolutions and no batch norm.
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import {conv, type Conv, type ParamSet} from '../../../nn/params';
import {DownEncoder, LeakyBlock3x3} from './blocks';
import {SpectralBlock3x3, SpectralDownEncoder} from './spectral-blocks';

/** How the discriminator's hidden layers are normalised: batch norm (AttnGAN) or spectral norm (DM-GAN). */
export type DiscriminatorNorm = 'batch' | 'spectral';

const TRAINING: BatchNormMode = {training: true};

export class StageDiscriminator {
  private readonly encoder: DownEncoder | SpectralDownEncoder;
  private readonly joint: LeakyBlock3x3 | SpectralBlock3x3;
  private readonly uncondOut: Conv;
  private readonly condOut: Conv;

  constructor(
    params: ParamSet,
    name: string,
    readonly resolution: number,
    ndf: number,
    readonly embedDim: number,
    norm: DiscriminatorNorm = 'batch',
  ) {
    const spectral = norm === 'spectral';
    this.encoder = spectral
      ? new SpectralDownEncoder(params, `${name}/encoder`, resolution, ndf)
      : new DownEncoder(params, `${name}/encoder`, resolution, ndf);
    const ch = this.encoder.outChannels;
    this.joint = spectral
      ? new SpectralBlock3x3(params, `${name}/joint`, ch + embedDim, ch)
      : new LeakyBlock3x3(params, `${name}/joint`, ch + embedDim, ch);
    this.uncondOut = params.conv(`${name}/uncond_out`, 4, ch, 1);
    this.condOut = params.conv(`${name}/cond_out`, 4, ch, 1);
  }

  /** `[batch, 4, 4, C]` features of images at this stage's resolution. */
  features(images: tf.Tensor4D): tf.Tensor4D {
    return this.encoder.apply(images, TRAINING);
  }

  /** `[batch]` logits of "real image". */
  uncond(features: tf.Tensor4D): tf.Tensor1D {
    return tf.reshape(conv(features, this.uncondOut, 4, 'valid'), [-1]);
  }

  /** `[batch]` logits of "real image matching this sentence". */
  cond(features: tf.Tensor4D, sentence: tf.Tensor2D): tf.Tensor1D {
    const [b, h, w] = features.shape;
    const tiled = tf.tile(tf.reshape(sentence, [b, 1, 1, this.embedDim]), [1, h, w, 1]);
    const joint = this.joint.apply(tf.concat([features, tiled], 3) as tf.Tensor4D, TRAINING);
    return tf.reshape(conv(joint, this.condOut, 4, 'valid'), [-1]);
  }
}

/** Mean binary cross-entropy of logits against a constant target (1 = real), in the stable form. */
export function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.mean(
    tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
  ) as tf.Scalar;
}
