// AttnGAN's refinement stage (NEXT_STAGE_G): [h ‖ word attention(h, words)] → residual blocks → GLU upsampling.
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import type {ParamSet} from '../../../nn/params';
import {ResBlock, UpBlock} from '../shared/blocks';
import {MultiStageGenerator, type MultiStageOptions, type RefinementStage} from '../shared/multi-stage-generator';
import {WordAttention} from './attention';

class AttentionStage implements RefinementStage {
  private readonly attention: WordAttention;
  private readonly res: ResBlock[] = [];
  private readonly up: UpBlock;

  constructor(params: ParamSet, name: string, width: number, embedDim: number, resBlocks: number) {
    this.attention = new WordAttention(params, `${name}/att`, embedDim, width);
    for (let i = 0; i < resBlocks; i++) this.res.push(new ResBlock(params, `${name}/res${i}`, 2 * width));
    this.up = new UpBlock(params, `${name}/up`, 2 * width, width);
  }

  apply(
    h: tf.Tensor4D,
    words: tf.Tensor3D,
    mask: tf.Tensor2D,
    mode: BatchNormMode,
  ): {h: tf.Tensor4D; map: tf.Tensor3D} {
    const {context, attention} = this.attention.apply(h, words, mask);
    let x = tf.concat([h, context], 3) as tf.Tensor4D;
    for (const r of this.res) x = r.apply(x, mode);
    return {h: this.up.apply(x, mode), map: attention};
  }
}

/** G_NET with word-attention refinement stages; `maps` holds each stage's attention `[n, H·W, T]`. */
export class AttnGanGenerator extends MultiStageGenerator {
  constructor(params: ParamSet, opts: MultiStageOptions) {
    super(params, opts, (p, name, o) => new AttentionStage(p, name, o.width, o.embedDim, o.resBlocks));
  }
}
