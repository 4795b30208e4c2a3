// The AttnGAN-family generator (G_NET): conditioning augmentation, an initial stage from 4×4 up to the base
// resolution with GLU upsampling, then refinement stages (word attention in AttnGAN, dynamic memory in DM-GAN)
// that each double the resolution, with an image head per stage.
import * as tf from '@tensorflow/tfjs';
import {batchNorm, type BatchNormMode} from '../../../nn/batch-norm';
import {type BatchNormParams, dense, type Dense, type ParamSet} from '../../../nn/params';
import type {GeneratorInputs, GeneratorOutput} from '../descriptor';
import {glu, ToImage, UpBlock} from './blocks';
import {ConditioningAugmentation} from './conditioning';

export interface MultiStageOptions {
  stages: number;
  /** ngf: channels of every stage's output (the 4×4 code has ngf·2^u, halved by each of u upsamplings). */
  width: number;
  zDim: number;
  condDim: number;
  resBlocks: number;
  embedDim: number;
  resolution: number;
}

/** One refinement stage: features `[n, H, W, ngf]` + words → features at 2H, and a map to expose. */
export interface RefinementStage {
  apply(h: tf.Tensor4D, words: tf.Tensor3D, mask: tf.Tensor2D, mode: BatchNormMode): {h: tf.Tensor4D; map: tf.Tensor};
}

export type RefinementFactory = (
  params: ParamSet,
  name: string,
  opts: MultiStageOptions,
  inputResolution: number,
) => RefinementStage;

/** INIT_STAGE_G: fc(c ‖ z) → BN → GLU → 4×4 → u GLU upsamplings to the base resolution. */
export class InitStage {
  private readonly fc: Dense;
  private readonly bn: BatchNormParams;
  private readonly ups: UpBlock[] = [];
  readonly startChannels: number;

  constructor(params: ParamSet, inDim: number, width: number, baseResolution: number) {
    const u = Math.log2(baseResolution / 4);
    this.startChannels = width * 2 ** u;
    this.fc = params.dense('init/fc', inDim, 4 * 4 * this.startChannels * 2, false);
    this.bn = params.batchNorm('init/fc_bn', 4 * 4 * this.startChannels * 2);
    for (let i = 0, ch = this.startChannels; i < u; i++, ch /= 2)
      this.ups.push(new UpBlock(params, `init/up${i}`, ch, ch / 2));
  }

  apply(zc: tf.Tensor2D, mode: BatchNormMode): tf.Tensor4D {
    let h = tf.reshape(glu(batchNorm(dense(zc, this.fc), this.bn, mode)), [
      -1,
      4,
      4,
      this.startChannels,
    ]) as tf.Tensor4D;
    for (const up of this.ups) h = up.apply(h, mode);
    return h;
  }
}

export class MultiStageGenerator {
  private readonly ca: ConditioningAugmentation;
  private readonly init: InitStage;
  private readonly next: RefinementStage[] = [];
  private readonly toImage: ToImage[] = [];
  readonly stageResolutions: number[];

  constructor(
    params: ParamSet,
    readonly opts: MultiStageOptions,
    refinement: RefinementFactory,
  ) {
    const base = opts.resolution / 2 ** (opts.stages - 1);
    this.stageResolutions = Array.from({length: opts.stages}, (_, s) => base * 2 ** s);
    this.ca = new ConditioningAugmentation(params, opts.embedDim, opts.condDim);
    this.init = new InitStage(params, opts.zDim + opts.condDim, opts.width, base);
    this.toImage.push(new ToImage(params, 'image0', opts.width));
    for (let s = 1; s < opts.stages; s++) {
      this.next.push(refinement(params, `stage${s}`, opts, this.stageResolutions[s - 1]!));
      this.toImage.push(new ToImage(params, `image${s}`, opts.width));
    }
  }

  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    const {code, kl} = this.ca.apply(x.sentence, x.caNoise);
    let h = this.init.apply(tf.concat([code, x.noise], 1) as tf.Tensor2D, mode);
    const images = [this.toImage[0]!.apply(h)];
    const maps: tf.Tensor[] = [];
    this.next.forEach((stage, s) => {
      const out = stage.apply(h, x.words, x.wordMask, mode);
      h = out.h;
      maps.push(out.map);
      images.push(this.toImage[s + 1]!.apply(h));
    });
    return {images, kl, maps};
  }
}
