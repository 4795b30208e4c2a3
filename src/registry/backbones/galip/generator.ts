// GALIP's generator on a split encoder without transformer layers (scg's DAMSM CNN or a loaded tfjs tower), the
// substitute for its CLIP bridge: noise → a small feature map → GALIP's G blocks (adapter) → the encoder's upper
// layers (the "bridge") → GALIP's G blocks up to the resolution → image.
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import {ScgError} from '../../../errors';
import {type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import type {EncoderPair} from '../../encoders/descriptor';
import type {GeneratorInputs, GeneratorOutput} from '../descriptor';
import {GBlock, toImages} from './blocks';

export interface GalipGeneratorOptions {
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
}

/** log2(to / from) when it is a whole number ≥ 0; otherwise undefined. */
function doublings(from: number, to: number): number | undefined {
  const k = Math.log2(to / from);
  return Number.isInteger(k) && k >= 0 ? k : undefined;
}

export class GalipGenerator {
  private readonly fc: Dense;
  private readonly adapter: GBlock[];
  private readonly decoder: GBlock[] = [];
  private readonly toRgb: Conv;
  /** Side of the noise code; the adapter doubles it twice to the bridge's input side. */
  private readonly codeSide: number;

  /**
   * Layout around the bridge (the frozen encoder's layers), whose input is `[L, L, C]` and output `[U, U, D]`:
   * code at L/4 (8ngf) → adapter at L/4, L/2, L (ending with C channels) → bridge → decoder at U, 2U, … up to
   * the resolution (4ngf, 2ngf, then ngf). With scg's DAMSM encoder L = r/2 and U = r/4. Every block is GALIP's
   * G block (nearest resize, then text-and-noise affine fusion without batch norm) conditioned on [z ‖ sentence].
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
    if (!Number.isInteger(Math.log2(opts.resolution)))
      throw new ScgError(
        'BAD_INPUT',
        `galip on a split encoder (damsm or a tfjs folder) needs a power-of-two resolution; got ${opts.resolution}`,
        {hint: "224 px is GALIP's with a CLIP encoder (encoders: {name: clip, path: …})"},
      );
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
      new GBlock(params, 'adapter0', 8 * w, 4 * w, cond, this.codeSide),
      new GBlock(params, 'adapter1', 4 * w, 2 * w, cond, 2 * this.codeSide),
      new GBlock(params, 'adapter2', 2 * w, lowerChannels, cond, lowerSide),
    ];
    for (let i = 0, cin = opts.embedDim; i <= ups; i++) {
      const cout = i === ups ? w : Math.max(w, (4 * w) / 2 ** i);
      this.decoder.push(new GBlock(params, `decoder${i}`, cin, cout, cond, upperSide * 2 ** i));
      cin = cout;
    }
    this.toRgb = params.conv('out/rgb', 3, w, 3);
  }

  /**
   * `maps[0]` is the bridged feature map (the frozen encoder's region-code map of the generator's features).
   * Images end at the conv without tanh, as GALIP's do; outside training they are clamped to [-1, 1].
   */
  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    const cond = tf.concat([x.noise, x.sentence], 1) as tf.Tensor2D;
    let h = tf.reshape(dense(x.noise, this.fc), [-1, this.codeSide, this.codeSide, 8 * this.opts.width]) as tf.Tensor4D;
    for (const b of this.adapter) h = b.apply(h, cond);
    const bridged = this.encoders.imageLayers!.upper(h); // frozen: its variables are not G's
    h = this.decoder.reduce((acc, b) => b.apply(acc, cond), bridged);
    const images = toImages(h, this.toRgb, mode.training);
    return {images: [images], kl: tf.scalar(0), maps: [bridged]};
  }
}
