// DM-GAN's discriminator layers: AttnGAN's D_NET topology with every convolution spectrally normalised and biased,
// and no batch norm (MinfengZhu/DM-GAN code/model.py wraps each conv of encode_image_by_16times, downBlock and
// Block3x3_leakRelu in SpectralNorm).
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import type {ParamSet} from '../../../nn/params';
import {applySpectralConv, type SpectralConv, spectralConv} from '../../../nn/spectral-norm';
import {encoderPlan} from './blocks';

/** Whether a forward pass in `mode` advances the power iteration (as PyTorch's training-mode forward does). */
const updates = (mode: BatchNormMode) => mode.training && mode.updateStats !== false;

/** Block3x3_leakRelu with spectral norm: SN(conv3×3 + bias) → LeakyReLU(0.2). */
export class SpectralBlock3x3 {
  private readonly c: SpectralConv;
  constructor(params: ParamSet, name: string, cin: number, cout: number) {
    this.c = spectralConv(params, name, 3, cin, cout);
  }
  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    return tf.leakyRelu(applySpectralConv(x, this.c, updates(mode)), 0.2);
  }
}

/**
 * Image → 4×4 features with 8ndf channels, as `DownEncoder` but spectrally normalised: SN(conv4×4/2) + LeakyReLU
 * down to 4×4 (channels doubling from ndf), then SN 3×3 blocks halving the channels back to 8ndf.
 */
export class SpectralDownEncoder {
  private readonly downs: SpectralConv[] = [];
  private readonly back: SpectralBlock3x3[] = [];
  readonly outChannels: number;

  constructor(params: ParamSet, name: string, resolution: number, ndf: number) {
    const plan = encoderPlan(resolution, ndf);
    plan.downs.forEach(([cin, cout], i) => this.downs.push(spectralConv(params, `${name}/down${i}`, 4, cin, cout)));
    plan.back.forEach(([cin, cout], k) => this.back.push(new SpectralBlock3x3(params, `${name}/back${k}`, cin, cout)));
    this.outChannels = plan.outChannels;
  }

  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    let h = x;
    for (const d of this.downs) h = tf.leakyRelu(applySpectralConv(h, d, updates(mode), 2), 0.2);
    for (const b of this.back) h = b.apply(h, mode);
    return h;
  }
}
