// DM-GAN's discriminator layers: AttnGAN's D_NET topology with every convolution spectrally normalised and biased,
// and no batch norm (MinfengZhu/DM-GAN code/model.py wraps each conv of encode_image_by_16times, downBlock and
// Block3x3_leakRelu in SpectralNorm).
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../../errors';
import type {BatchNormMode} from '../../../nn/batch-norm';
import type {ParamSet} from '../../../nn/params';
import {applySpectralConv, type SpectralConv, spectralConv} from '../../../nn/spectral-norm';

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
    const n = Math.log2(resolution / 4);
    if (!Number.isInteger(n) || n < 1)
      throw new ScgError(
        'BAD_INPUT',
        `dataset.resolution: the discriminator needs 4·2^k pixels with k ≥ 1, got ${resolution}`,
        {hint: 'use 16, 32, 64, 128 or 256'},
      );
    let ch = ndf;
    this.downs.push(spectralConv(params, `${name}/down0`, 4, 3, ndf));
    for (let i = 1; i < n; i++) {
      this.downs.push(spectralConv(params, `${name}/down${i}`, 4, ch, 2 * ch));
      ch *= 2;
    }
    for (let k = 0; ch > 8 * ndf; k++) {
      this.back.push(new SpectralBlock3x3(params, `${name}/back${k}`, ch, ch / 2));
      ch /= 2;
    }
    this.outChannels = ch;
  }

  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    let h = x;
    for (const d of this.downs) h = tf.leakyRelu(applySpectralConv(h, d, updates(mode), 2), 0.2);
    for (const b of this.back) h = b.apply(h, mode);
    return h;
  }
}
