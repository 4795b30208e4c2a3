// SSA-GAN's generator (wtliao/text2image NetG): a DF-GAN-style single stage in which every block predicts a
// semantic mask, and the sentence-conditioned affine modulation acts only where the mask is on.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, BatchNormMode} from '../../../nn/batch-norm';
import {BatchNormParams, conv, Conv, dense, Dense, ParamSet} from '../../../nn/params';
import {GeneratorInputs, GeneratorOutput} from '../descriptor';

export interface SsaGanOptions {
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
  /** Channels of the mask predictors' hidden conv (original: 100). */
  maskWidth: number;
}

/** Mask predictor: conv3×3 → BN → ReLU → conv1×1 → 1 channel (a logit; sigmoid is applied by the caller). */
class MaskPredictor {
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
class MaskedAffine {
  private readonly bn: BatchNormParams;
  private readonly gamma: [Dense, Dense];
  private readonly beta: [Dense, Dense];
  constructor(params: ParamSet, name: string, channels: number, embedDim: number) {
    this.bn = params.batchNorm(`${name}/bn`, channels, false);
    const mlp = (k: string): [Dense, Dense] => [params.dense(`${name}/${k}1`, embedDim, embedDim), {
      w: params.constant(`${name}/${k}2/w`, [embedDim, channels], 0), b: params.constant(`${name}/${k}2/b`, [channels], 0),
    }];
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

/** G_Block: shortcut(x) + γ_res·[affine → ReLU → conv3×3 → affine → ReLU → conv3×3](x); then predicts the next mask. */
class SsaBlock {
  private readonly a0: MaskedAffine;
  private readonly a1: MaskedAffine;
  private readonly c1: Conv;
  private readonly c2: Conv;
  private readonly shortcut: Conv | undefined;
  private readonly gate: tf.Variable;
  private readonly mask: MaskPredictor | undefined;
  constructor(params: ParamSet, name: string, cin: number, cout: number, opts: SsaGanOptions, predictMask: boolean) {
    this.a0 = new MaskedAffine(params, `${name}/affine0`, cin, opts.embedDim);
    this.a1 = new MaskedAffine(params, `${name}/affine1`, cout, opts.embedDim);
    this.c1 = params.conv(`${name}/c1`, 3, cin, cout);
    this.c2 = params.conv(`${name}/c2`, 3, cout, cout);
    this.shortcut = cin !== cout ? params.conv(`${name}/shortcut`, 1, cin, cout) : undefined;
    this.gate = params.constant(`${name}/gamma`, [], 0);
    this.mask = predictMask ? new MaskPredictor(params, `${name}/mask`, cout, opts.maskWidth) : undefined;
  }
  apply(x: tf.Tensor4D, sentence: tf.Tensor2D, mask: tf.Tensor4D, mode: BatchNormMode): {h: tf.Tensor4D; maskLogit?: tf.Tensor4D} {
    let r = conv(tf.relu(this.a0.apply(x, sentence, mask, mode)) as tf.Tensor4D, this.c1);
    r = conv(tf.relu(this.a1.apply(r, sentence, mask, mode)) as tf.Tensor4D, this.c2);
    const h = tf.add(this.shortcut ? conv(x, this.shortcut) : x, tf.mul(this.gate, r)) as tf.Tensor4D;
    return this.mask ? {h, maskLogit: this.mask.apply(h, mode)} : {h};
  }
}

export class SsaGanGenerator {
  private readonly fc: Dense;
  private readonly firstMask: MaskPredictor;
  private readonly blocks: SsaBlock[] = [];
  private readonly outBn: BatchNormParams;
  private readonly toRgb: Conv;
  private readonly channels: number[];

  constructor(params: ParamSet, readonly opts: SsaGanOptions) {
    const u = Math.log2(opts.resolution / 4);
    // Block i outputs ngf·min(8, 2^(u−i)): 8ngf until the last three blocks halve it (the 256 px original's schedule).
    this.channels = Array.from({length: u + 1}, (_, i) => opts.width * Math.min(8, 2 ** (u - i)));
    this.fc = params.dense('fc', opts.zDim, 8 * opts.width * 16);
    this.firstMask = new MaskPredictor(params, 'mask0', 8 * opts.width, opts.maskWidth);
    let cin = 8 * opts.width;
    this.channels.forEach((cout, i) => {
      this.blocks.push(new SsaBlock(params, `block${i}`, cin, cout, opts, i < u));
      cin = cout;
    });
    this.outBn = params.batchNorm('out/bn', cin);
    this.toRgb = params.conv('out/rgb', 3, cin, 3);
  }

  /** Images, and the fusion mask (after sigmoid) each block used: `maps[i]` is `[n, 4·2^i, 4·2^i, 1]`. */
  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    let h = tf.reshape(dense(x.noise, this.fc), [-1, 4, 4, 8 * this.opts.width]) as tf.Tensor4D;
    let logit = this.firstMask.apply(h, mode);
    const maps: tf.Tensor[] = [];
    this.blocks.forEach((block, i) => {
      if (i > 0) {
        const [, hh, ww] = h.shape;
        h = tf.image.resizeNearestNeighbor(h, [2 * hh, 2 * ww]);
        logit = tf.image.resizeBilinear(logit, [2 * hh, 2 * ww], true);
      }
      const mask = tf.sigmoid(logit) as tf.Tensor4D;
      maps.push(mask);
      const out = block.apply(h, x.sentence, mask, mode);
      h = out.h;
      if (out.maskLogit) logit = out.maskLogit;
    });
    const img = tf.tanh(conv(tf.leakyRelu(batchNorm(h, this.outBn, mode), 0.2) as tf.Tensor4D, this.toRgb)) as tf.Tensor4D;
    return {images: [img], kl: tf.scalar(0), maps};
  }
}
