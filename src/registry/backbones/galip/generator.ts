// GALIP's generator around a frozen image encoder (scg's DAMSM CNN or a loaded CLIP-style tower): noise → a small
// feature map → sentence-conditioned adapter blocks → the encoder's upper layers (the "bridge") → sentence-
// conditioned upsampling blocks → image.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, type BatchNormMode} from '../../../nn/batch-norm';
import {ScgError} from '../../../errors';
import {type BatchNormParams, conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import type {EncoderPair} from '../../encoders/descriptor';
import type {GeneratorInputs, GeneratorOutput} from '../descriptor';
import {DfBlock} from '../shared/df-blocks';

export interface GalipGeneratorOptions {
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
}

const up = (h: tf.Tensor4D) => tf.image.resizeNearestNeighbor(h, [2 * h.shape[1], 2 * h.shape[2]]);

/** log2(to / from) when it is a whole number ≥ 0; otherwise undefined. */
function doublings(from: number, to: number): number | undefined {
  const k = Math.log2(to / from);
  return Number.isInteger(k) && k >= 0 ? k : undefined;
}

export class GalipGenerator {
  private readonly fc: Dense;
  private readonly adapter: DfBlock[];
  private readonly decoder: DfBlock[] = [];
  private readonly outBn: BatchNormParams;
  private readonly toRgb: Conv;
  /** Side of the noise code; the adapter doubles it twice to the bridge's input side. */
  private readonly codeSide: number;

  /**
   * Layout around the bridge (the frozen encoder's layers), whose input is `[L, L, C]` and output `[U, U, D]`:
   * code at L/4 (8ngf) → adapter at L/4, L/2, L (ending with C channels) → bridge → decoder at U, 2U, … up to
   * the resolution (4ngf, 2ngf, then ngf). With scg's DAMSM encoder L = r/2 and U = r/4. Every block is
   * conditioned on [sentence ‖ z], as GALIP conditions on text and noise.
   */
  constructor(
    params: ParamSet,
    readonly opts: GalipGeneratorOptions,
    private readonly encoders: EncoderPair,
  ) {
    const layers = encoders.imageLayers;
    if (!layers)
      throw new ScgError('BAD_INPUT', 'galip needs an encoder whose image tower can be split for the bridge', {
        hint: 'use encoders: damsm, or a tfjs encoder folder whose encoder.json sets bridgeAfter',
      });
    const {
      lower: [lowerSide, lowerChannels],
      upper: [upperSide],
    } = layers.shapes(opts.resolution);
    const ups = doublings(upperSide, opts.resolution);
    if (lowerSide % 4 !== 0 || upperSide < 4 || ups === undefined) {
      throw new ScgError(
        'BAD_INPUT',
        `galip: the encoder's bridge takes ${lowerSide}×${lowerSide} features and gives ${upperSide}×${upperSide}; the generator needs the first divisible by 4, the second at least 4 (D's 4×4 head), and the resolution (${opts.resolution}) a power-of-two multiple of the second`,
        {
          hint: 'choose dataset.resolution, or a bridgeAfter layer, to fit',
        },
      );
    }
    const w = opts.width;
    const cond = opts.embedDim + opts.zDim;
    this.codeSide = lowerSide / 4;
    this.fc = params.dense('fc', opts.zDim, 8 * w * this.codeSide ** 2);
    this.adapter = [
      new DfBlock(params, 'adapter0', 8 * w, 4 * w, cond, 0),
      new DfBlock(params, 'adapter1', 4 * w, 2 * w, cond, 0),
      new DfBlock(params, 'adapter2', 2 * w, lowerChannels, cond, 0),
    ];
    for (let i = 0, cin = opts.embedDim; i <= ups; i++) {
      const cout = i === ups ? w : Math.max(w, (4 * w) / 2 ** i);
      this.decoder.push(new DfBlock(params, `decoder${i}`, cin, cout, cond, 0));
      cin = cout;
    }
    this.outBn = params.batchNorm('out/bn', w);
    this.toRgb = params.conv('out/rgb', 3, w, 3);
  }

  /** `maps[0]` is the bridged feature map (the frozen encoder's region-code map of the generator's features). */
  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    const cond = tf.concat([x.sentence, x.noise], 1) as tf.Tensor2D;
    const block = (b: DfBlock, h: tf.Tensor4D) =>
      b.apply(h, cond, tf.ones([h.shape[0], h.shape[1], h.shape[2], 1]) as tf.Tensor4D, mode).h;
    let h = tf.reshape(dense(x.noise, this.fc), [-1, this.codeSide, this.codeSide, 8 * this.opts.width]) as tf.Tensor4D;
    h = block(this.adapter[0]!, h);
    h = block(this.adapter[1]!, up(h));
    h = block(this.adapter[2]!, up(h));
    const bridged = this.encoders.imageLayers!.upper(h); // frozen: its variables are not G's
    h = this.decoder.reduce((acc, b, i) => block(b, i === 0 ? acc : up(acc)), bridged);
    const img = tf.tanh(
      conv(tf.leakyRelu(batchNorm(h, this.outBn, mode), 0.2) as tf.Tensor4D, this.toRgb),
    ) as tf.Tensor4D;
    return {images: [img], kl: tf.scalar(0), maps: [bridged]};
  }
}
