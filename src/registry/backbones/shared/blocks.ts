// Building blocks of the AttnGAN family (AttnGAN, DM-GAN): GLU, upsampling, residual and 3×3 blocks, the
// downsampling image encoder of the discriminators. NHWC throughout; every conv is followed by batch norm.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, type BatchNormMode} from '../../../nn/batch-norm';
import {type BatchNormParams, conv, type Conv, type ParamSet} from '../../../nn/params';
import {ScgError} from '../../../errors';

/** Gated linear unit over channels: first half × sigmoid(second half). */
export function glu(x: tf.Tensor): tf.Tensor {
  const c = x.shape[x.shape.length - 1]! / 2;
  const [a, b] = tf.split(x, [c, c], x.shape.length - 1);
  return tf.mul(a!, tf.sigmoid(b!));
}

interface ConvBn {
  conv: Conv;
  bn: BatchNormParams;
}

function convBn(params: ParamSet, name: string, k: number, cin: number, cout: number): ConvBn {
  return {conv: params.conv(`${name}/conv`, k, cin, cout, false), bn: params.batchNorm(`${name}/bn`, cout)};
}

function applyConvBn(x: tf.Tensor4D, l: ConvBn, mode: BatchNormMode, stride = 1): tf.Tensor4D {
  return batchNorm(conv(x, l.conv, stride), l.bn, mode) as tf.Tensor4D;
}

/** upBlock: nearest ×2 → conv3×3 (cin → 2·cout) → BN → GLU. */
export class UpBlock {
  private readonly l: ConvBn;
  constructor(
    params: ParamSet,
    name: string,
    cin: number,
    readonly cout: number,
  ) {
    this.l = convBn(params, name, 3, cin, 2 * cout);
  }
  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    const [, h, w] = x.shape;
    return glu(applyConvBn(tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]), this.l, mode)) as tf.Tensor4D;
  }
}

/** ResBlock: x + BN(conv3×3(GLU(BN(conv3×3(x, 2c))), c)). */
export class ResBlock {
  private readonly a: ConvBn;
  private readonly b: ConvBn;
  constructor(params: ParamSet, name: string, channels: number) {
    this.a = convBn(params, `${name}/a`, 3, channels, 2 * channels);
    this.b = convBn(params, `${name}/b`, 3, channels, channels);
  }
  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    return tf.add(x, applyConvBn(glu(applyConvBn(x, this.a, mode)) as tf.Tensor4D, this.b, mode));
  }
}

/** GET_IMAGE_G: conv3×3 → 3 channels → tanh. */
export class ToImage {
  private readonly c: Conv;
  constructor(params: ParamSet, name: string, cin: number) {
    this.c = params.conv(name, 3, cin, 3, false); // AttnGAN's GET_IMAGE_G: conv3x3 without a bias, then tanh
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tanh(conv(x, this.c));
  }
}

/** Block3x3_leakRelu: conv3×3 → BN → LeakyReLU(0.2). */
export class LeakyBlock3x3 {
  private readonly l: ConvBn;
  constructor(
    params: ParamSet,
    name: string,
    cin: number,
    readonly cout: number,
  ) {
    this.l = convBn(params, name, 3, cin, cout);
  }
  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    return tf.leakyRelu(applyConvBn(x, this.l, mode), 0.2);
  }
}

/** The channels of the discriminators' image encoder: the conv4×4/2 steps down to 4×4, then the 3×3 steps back to 8ndf. */
export interface EncoderPlan {
  /** `[in, out]` of each downsampling conv: 3 → ndf, then doubling. */
  downs: [number, number][];
  /** `[in, out]` of each 3×3 block halving the channels back to 8ndf (resolutions above 64). */
  back: [number, number][];
  outChannels: number;
}

/** The plan for `resolution` (4·2^k with k ≥ 1, else BAD_INPUT naming dataset.resolution) and width `ndf`. */
export function encoderPlan(resolution: number, ndf: number): EncoderPlan {
  const n = Math.log2(resolution / 4);
  if (!Number.isInteger(n) || n < 1)
    throw new ScgError(
      'BAD_INPUT',
      `dataset.resolution: the discriminator needs 4·2^k pixels with k ≥ 1, got ${resolution}`,
      {hint: 'use 16, 32, 64, 128 or 256'},
    );
  const downs: [number, number][] = [[3, ndf]];
  let ch = ndf;
  for (let i = 1; i < n; i++, ch *= 2) downs.push([ch, 2 * ch]);
  const back: [number, number][] = [];
  for (; ch > 8 * ndf; ch /= 2) back.push([ch, ch / 2]);
  return {downs, back, outChannels: ch};
}

/**
 * The discriminators' image encoder down to 4×4: conv4×4/2 (no BN on the first) with channels ndf·2^i,
 * capped by the original's schedule: beyond 16× it keeps downsampling at 16ndf, 32ndf, … and then brings the
 * channels back to 8ndf with 3×3 blocks (AttnGAN's D_NET128/256). Below 64 px it stops earlier.
 */
export class DownEncoder {
  private readonly first: Conv;
  private readonly downs: ConvBn[] = [];
  private readonly back: LeakyBlock3x3[] = [];
  readonly outChannels: number;

  constructor(params: ParamSet, name: string, resolution: number, ndf: number) {
    const plan = encoderPlan(resolution, ndf);
    this.first = params.conv(`${name}/down0`, 4, 3, ndf, false);
    plan.downs
      .slice(1)
      .forEach(([cin, cout], i) => this.downs.push(convBn(params, `${name}/down${i + 1}`, 4, cin, cout)));
    plan.back.forEach(([cin, cout], k) => this.back.push(new LeakyBlock3x3(params, `${name}/back${k}`, cin, cout)));
    this.outChannels = plan.outChannels;
  }

  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    let h = tf.leakyRelu(conv(x, this.first, 2), 0.2) as tf.Tensor4D;
    for (const d of this.downs) h = tf.leakyRelu(applyConvBn(h, d, mode, 2), 0.2);
    for (const b of this.back) h = b.apply(h, mode);
    return h;
  }
}
