// DF-GAN-family generator blocks (SSA-GAN, GALIP): sentence-conditioned affine modulation of batch-normalised
// features (optionally only inside a predicted mask), residual blocks with a learned gate, mask predictors.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, type BatchNormMode} from '../../../nn/batch-norm';
import {type BatchNormParams, conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';

/** Mask predictor: conv3×3 → BN → ReLU → conv1×1 → 1 channel (a logit; sigmoid is applied by the caller). */
export class MaskPredictor {
  private readonly c1: Conv;
  private readonly bn: BatchNormParams;
  private readonly c2: Conv;
  constructor(params: ParamSet, name: string, cin: number, hidden: number) {
    this.c1 = params.conv(`${name}/c1`, 3, cin, hidden);
    this.bn = params.batchNorm(`${name}/bn`, hidden);
    this.c2 = params.conv(`${name}/c2`, 1, hidden, 1);
  }
  apply(x: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    return conv(tf.relu(batchNorm(conv(x, this.c1), this.bn, mode)) as tf.Tensor4D, this.c2);
  }
}

/**
 * Semantic-aware affine (SSACN): BN without scale/shift, then γ' = γ(s)·mask + 1, β' = β(s)·mask,
 * out = γ'·x + β'. γ and β are two-layer MLPs of the sentence whose last layers start at zero.
 */
export class MaskedAffine {
  private readonly bn: BatchNormParams;
  private readonly gamma: [Dense, Dense];
  private readonly beta: [Dense, Dense];
  constructor(params: ParamSet, name: string, channels: number, embedDim: number) {
    this.bn = params.batchNorm(`${name}/bn`, channels, false);
    const mlp = (k: string): [Dense, Dense] => [
      params.dense(`${name}/${k}1`, embedDim, embedDim),
      {
        w: params.constant(`${name}/${k}2/w`, [embedDim, channels], 0),
        b: params.constant(`${name}/${k}2/b`, [channels], 0),
      },
    ];
    this.gamma = mlp('gamma');
    this.beta = mlp('beta');
  }
  apply(x: tf.Tensor4D, sentence: tf.Tensor2D, mask: tf.Tensor4D, mode: BatchNormMode): tf.Tensor4D {
    const normed = batchNorm(x, this.bn, mode); // no learned scale/shift: the sentence provides them
    const c = x.shape[3];
    const g = tf.reshape(dense(tf.relu(dense(sentence, this.gamma[0])), this.gamma[1]), [-1, 1, 1, c]);
    const b = tf.reshape(dense(tf.relu(dense(sentence, this.beta[0])), this.beta[1]), [-1, 1, 1, c]);
    return tf.add(tf.mul(tf.add(tf.mul(g, mask), 1), normed), tf.mul(b, mask)) as tf.Tensor4D;
  }
}

/**
 * DF-GAN's G_Block (SSA-GAN's with masks): shortcut(x) + γ_res·[affine → ReLU → conv3×3 → affine → ReLU → conv3×3](x),
 * γ_res learned from 0 (`gated`, SSA-GAN's and the first DF-GAN's), or 1 and not learned (DF-GAN's CVPR 2022 block);
 * with `maskWidth` > 0 it then predicts the next mask. Without masks, pass an all-ones mask.
 */
export class DfBlock {
  private readonly a0: MaskedAffine;
  private readonly a1: MaskedAffine;
  private readonly c1: Conv;
  private readonly c2: Conv;
  private readonly shortcut: Conv | undefined;
  private readonly gate: tf.Variable | undefined;
  private readonly mask: MaskPredictor | undefined;
  constructor(
    params: ParamSet,
    name: string,
    cin: number,
    cout: number,
    condDim: number,
    maskWidth: number,
    gated = true,
  ) {
    this.a0 = new MaskedAffine(params, `${name}/affine0`, cin, condDim);
    this.a1 = new MaskedAffine(params, `${name}/affine1`, cout, condDim);
    this.c1 = params.conv(`${name}/c1`, 3, cin, cout);
    this.c2 = params.conv(`${name}/c2`, 3, cout, cout);
    this.shortcut = cin !== cout ? params.conv(`${name}/shortcut`, 1, cin, cout) : undefined;
    this.gate = gated ? params.constant(`${name}/gamma`, [], 0) : undefined;
    this.mask = maskWidth > 0 ? new MaskPredictor(params, `${name}/mask`, cout, maskWidth) : undefined;
  }
  apply(
    x: tf.Tensor4D,
    sentence: tf.Tensor2D,
    mask: tf.Tensor4D,
    mode: BatchNormMode,
  ): {h: tf.Tensor4D; maskLogit?: tf.Tensor4D} {
    let r = conv(tf.relu(this.a0.apply(x, sentence, mask, mode)) as tf.Tensor4D, this.c1);
    r = conv(tf.relu(this.a1.apply(r, sentence, mask, mode)) as tf.Tensor4D, this.c2);
    const h = tf.add(this.shortcut ? conv(x, this.shortcut) : x, this.gate ? tf.mul(this.gate, r) : r) as tf.Tensor4D;
    return this.mask ? {h, maskLogit: this.mask.apply(h, mode)} : {h};
  }
}
