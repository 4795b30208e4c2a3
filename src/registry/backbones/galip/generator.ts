// GALIP's generator with scg's frozen encoder in place of CLIP: noise → a small feature map → sentence-
// conditioned adapter blocks → the frozen image encoder's middle layers (the "bridge") → sentence-conditioned
// upsampling blocks → image.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, BatchNormMode} from '../../../nn/batch-norm';
import {BatchNormParams, conv, Conv, dense, Dense, ParamSet} from '../../../nn/params';
import {EncoderPair} from '../../encoders/descriptor';
import {GeneratorInputs, GeneratorOutput} from '../descriptor';
import {DfBlock} from '../shared/df-blocks';

export interface GalipGeneratorOptions {
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
}

const up = (h: tf.Tensor4D) => tf.image.resizeNearestNeighbor(h, [2 * h.shape[1], 2 * h.shape[2]]);

export class GalipGenerator {
  private readonly fc: Dense;
  private readonly adapter: DfBlock[];
  private readonly decoder: DfBlock[];
  private readonly outBn: BatchNormParams;
  private readonly toRgb: Conv;

  /**
   * Layout for resolution r: code at r/8 (8ngf) → adapter at r/8, r/4, r/2 (ending with the encoder's own
   * channel count at r/2) → frozen encoder layers → region-code map at r/4 (embedDim) → decoder at r/4, r/2, r.
   * Every block is conditioned on [sentence ‖ z], as GALIP conditions on text and noise.
   */
  constructor(params: ParamSet, readonly opts: GalipGeneratorOptions, private readonly encoders: EncoderPair) {
    const layers = encoders.imageLayers;
    if (!layers) throw new Error('galip needs an encoder that exposes its image layers (encoders: damsm does)');
    const w = opts.width;
    const cond = opts.embedDim + opts.zDim;
    this.fc = params.dense('fc', opts.zDim, 8 * w * (opts.resolution / 8) ** 2);
    this.adapter = [new DfBlock(params, 'adapter0', 8 * w, 4 * w, cond, 0), new DfBlock(params, 'adapter1', 4 * w, 2 * w, cond, 0), new DfBlock(params, 'adapter2', 2 * w, layers.lowerChannels, cond, 0)];
    this.decoder = [new DfBlock(params, 'decoder0', opts.embedDim, 4 * w, cond, 0), new DfBlock(params, 'decoder1', 4 * w, 2 * w, cond, 0), new DfBlock(params, 'decoder2', 2 * w, w, cond, 0)];
    this.outBn = params.batchNorm('out/bn', w);
    this.toRgb = params.conv('out/rgb', 3, w, 3);
  }

  /** `maps[0]` is the bridged feature map (the frozen encoder's region-code map of the generator's features). */
  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    const s0 = this.opts.resolution / 8;
    const cond = tf.concat([x.sentence, x.noise], 1) as tf.Tensor2D;
    const block = (b: DfBlock, h: tf.Tensor4D) => b.apply(h, cond, tf.ones([h.shape[0], h.shape[1], h.shape[2], 1]) as tf.Tensor4D, mode).h;
    let h = tf.reshape(dense(x.noise, this.fc), [-1, s0, s0, 8 * this.opts.width]) as tf.Tensor4D;
    h = block(this.adapter[0]!, h);
    h = block(this.adapter[1]!, up(h));
    h = block(this.adapter[2]!, up(h));
    const bridged = this.encoders.imageLayers!.upper(h); // frozen: its variables are not G's
    h = block(this.decoder[0]!, bridged);
    h = block(this.decoder[1]!, up(h));
    h = block(this.decoder[2]!, up(h));
    const img = tf.tanh(conv(tf.leakyRelu(batchNorm(h, this.outBn, mode), 0.2) as tf.Tensor4D, this.toRgb)) as tf.Tensor4D;
    return {images: [img], kl: tf.scalar(0), maps: [bridged]};
  }
}
