// GALIP's own blocks (tobran/GALIP models/GALIP.py): text-conditioned affine fusion without batch norm, the
// mapper's M blocks, the generator's G blocks, and the discriminator's gated D blocks on CLIP features.
import * as tf from '@tensorflow/tfjs';
import {conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';

const lrelu = (x: tf.Tensor4D) => tf.leakyRelu(x, 0.2) as tf.Tensor4D;

/**
 * γ(c)·x + β(c) per channel, γ and β each a Linear → ReLU → Linear of the condition whose last layer starts at
 * weight 0 (bias 1 for γ, 0 for β), so the block starts as the identity.
 */
class Affine {
  private readonly gamma: [Dense, Dense];
  private readonly beta: [Dense, Dense];
  constructor(params: ParamSet, name: string, condDim: number, channels: number) {
    const mlp = (k: string, bias: number): [Dense, Dense] => [
      params.dense(`${name}/${k}1`, condDim, channels),
      {
        w: params.constant(`${name}/${k}2/w`, [channels, channels], 0),
        b: params.constant(`${name}/${k}2/b`, [channels], bias),
      },
    ];
    this.gamma = mlp('gamma', 1);
    this.beta = mlp('beta', 0);
  }
  apply(x: tf.Tensor4D, c: tf.Tensor2D): tf.Tensor4D {
    const ch = x.shape[3];
    const g = tf.reshape(dense(tf.relu(dense(c, this.gamma[0])), this.gamma[1]), [-1, 1, 1, ch]);
    const b = tf.reshape(dense(tf.relu(dense(c, this.beta[0])), this.beta[1]), [-1, 1, 1, ch]);
    return tf.add(tf.mul(g, x), b) as tf.Tensor4D;
  }
}

/** GALIP's DFBLK: affine → LeakyReLU(0.2) → affine → LeakyReLU(0.2). */
export class Fuse {
  private readonly a0: Affine;
  private readonly a1: Affine;
  constructor(params: ParamSet, name: string, condDim: number, channels: number) {
    this.a0 = new Affine(params, `${name}/affine0`, condDim, channels);
    this.a1 = new Affine(params, `${name}/affine1`, condDim, channels);
  }
  apply(x: tf.Tensor4D, c: tf.Tensor2D): tf.Tensor4D {
    return lrelu(this.a1.apply(lrelu(this.a0.apply(x, c)), c));
  }
}

/**
 * GALIP's to_rgb: LeakyReLU → conv3×3, without tanh. Outside training the images are clamped to [-1, 1], as GALIP's
 * sampling and test code clamp them.
 */
export function toImages(h: tf.Tensor4D, toRgb: Conv, training: boolean): tf.Tensor4D {
  const raw = conv(lrelu(h), toRgb);
  return training ? raw : (tf.clipByValue(raw, -1, 1) as tf.Tensor4D);
}

/** A 1×1 conv shortcut when the channel count changes, else the identity. */
function shortcut(params: ParamSet, name: string, cin: number, cout: number): (x: tf.Tensor4D) => tf.Tensor4D {
  if (cin === cout) return (x) => x;
  const c = params.conv(`${name}/shortcut`, 1, cin, cout);
  return (x) => conv(x, c);
}

/** The mapper's M_Block: shortcut(x) + fuse(conv(fuse(conv(x)))), convs k×k with bias. */
export class MBlock {
  private readonly c1: Conv;
  private readonly f1: Fuse;
  private readonly c2: Conv;
  private readonly f2: Fuse;
  private readonly sc: (x: tf.Tensor4D) => tf.Tensor4D;
  constructor(params: ParamSet, name: string, cin: number, mid: number, cout: number, condDim: number, k: number) {
    this.c1 = params.conv(`${name}/c1`, k, cin, mid);
    this.f1 = new Fuse(params, `${name}/fuse1`, condDim, mid);
    this.c2 = params.conv(`${name}/c2`, k, mid, cout);
    this.f2 = new Fuse(params, `${name}/fuse2`, condDim, cout);
    this.sc = shortcut(params, name, cin, cout);
  }
  apply(x: tf.Tensor4D, c: tf.Tensor2D): tf.Tensor4D {
    const r = this.f2.apply(conv(this.f1.apply(conv(x, this.c1), c), this.c2), c);
    return tf.add(this.sc(x), r) as tf.Tensor4D;
  }
}

/** G_Block: nearest resize to `side`, then shortcut(h) + conv3×3(fuse(conv3×3(fuse(h)))); no gate, no batch norm. */
export class GBlock {
  private readonly f1: Fuse;
  private readonly c1: Conv;
  private readonly f2: Fuse;
  private readonly c2: Conv;
  private readonly sc: (x: tf.Tensor4D) => tf.Tensor4D;
  constructor(
    params: ParamSet,
    name: string,
    cin: number,
    cout: number,
    condDim: number,
    readonly side: number,
  ) {
    this.f1 = new Fuse(params, `${name}/fuse1`, condDim, cin);
    this.c1 = params.conv(`${name}/c1`, 3, cin, cout);
    this.f2 = new Fuse(params, `${name}/fuse2`, condDim, cout);
    this.c2 = params.conv(`${name}/c2`, 3, cout, cout);
    this.sc = shortcut(params, name, cin, cout);
  }
  apply(x: tf.Tensor4D, c: tf.Tensor2D): tf.Tensor4D {
    const h = x.shape[1] === this.side ? x : tf.image.resizeNearestNeighbor(x, [this.side, this.side]);
    const r = conv(this.f2.apply(conv(this.f1.apply(h, c), this.c1), c), this.c2);
    return tf.add(this.sc(h), r) as tf.Tensor4D;
  }
}

/**
 * D_Block: shortcut(x) + γ·[conv3×3 → LReLU → conv3×3 → LReLU](x) (convs without bias), plus β·f when it takes a
 * CLIP feature map f; γ and β learned from 0.
 */
export class DBlock {
  private readonly c1: Conv;
  private readonly c2: Conv;
  private readonly sc: (x: tf.Tensor4D) => tf.Tensor4D;
  private readonly gamma: tf.Variable;
  private readonly beta: tf.Variable | undefined;
  constructor(params: ParamSet, name: string, cin: number, cout: number, takesFeature: boolean) {
    this.c1 = params.conv(`${name}/c1`, 3, cin, cout, false);
    this.c2 = params.conv(`${name}/c2`, 3, cout, cout, false);
    this.sc = shortcut(params, name, cin, cout);
    this.gamma = params.constant(`${name}/gamma`, [], 0);
    this.beta = takesFeature ? params.constant(`${name}/beta`, [], 0) : undefined;
  }
  apply(x: tf.Tensor4D, feature?: tf.Tensor4D): tf.Tensor4D {
    const r = lrelu(conv(lrelu(conv(x, this.c1)), this.c2));
    const out = tf.add(this.sc(x), tf.mul(this.gamma, r)) as tf.Tensor4D;
    return this.beta && feature ? (tf.add(out, tf.mul(this.beta, feature)) as tf.Tensor4D) : out;
  }
}
