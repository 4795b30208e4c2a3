// SSA-GAN's generator (wtliao/text2image NetG): a DF-GAN-style single stage in which every block predicts a
// semantic mask, and the sentence-conditioned affine modulation acts only where the mask is on.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, type BatchNormMode} from '../../../nn/batch-norm';
import {type BatchNormParams, conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import {DfBlock, MaskPredictor} from '../shared/df-blocks';
import type {GeneratorInputs, GeneratorOutput} from '../descriptor';

export interface SsaGanOptions {
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
  /** Channels of the mask predictors' hidden conv (original: 100). */
  maskWidth: number;
  /** Each block's residual scaled by a learned γ starting at 0 (the original), or added as is. */
  residualGate: 'learned' | 'none';
}

export class SsaGanGenerator {
  private readonly fc: Dense;
  private readonly firstMask: MaskPredictor;
  private readonly blocks: DfBlock[] = [];
  private readonly outBn: BatchNormParams;
  private readonly toRgb: Conv;
  private readonly channels: number[];

  constructor(
    params: ParamSet,
    readonly opts: SsaGanOptions,
  ) {
    const u = Math.log2(opts.resolution / 4);
    // Block i outputs ngf·min(8, 2^(u−i)): 8ngf until the last three blocks halve it (the 256 px original's schedule).
    this.channels = Array.from({length: u + 1}, (_, i) => opts.width * Math.min(8, 2 ** (u - i)));
    this.fc = params.dense('fc', opts.zDim, 8 * opts.width * 16);
    this.firstMask = new MaskPredictor(params, 'mask0', 8 * opts.width, opts.maskWidth);
    let cin = 8 * opts.width;
    this.channels.forEach((cout, i) => {
      this.blocks.push(
        new DfBlock(
          params,
          `block${i}`,
          cin,
          cout,
          opts.embedDim,
          i < u ? opts.maskWidth : 0,
          opts.residualGate === 'learned',
        ),
      );
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
    const img = tf.tanh(
      conv(tf.leakyRelu(batchNorm(h, this.outBn, mode), 0.2) as tf.Tensor4D, this.toRgb),
    ) as tf.Tensor4D;
    return {images: [img], kl: tf.scalar(0), maps};
  }
}
