// AttnGAN's word-level attention (GlobalAttentionGeneral): every image location attends over the words.
import * as tf from '@tensorflow/tfjs';
import {dense, type Dense, type ParamSet} from '../../../nn/params';

export class WordAttention {
  private readonly context: Dense;

  /** Projects words (embedDim) to the image feature channels with a bias-free 1×1 conv (= dense per word). */
  constructor(
    params: ParamSet,
    name: string,
    embedDim: number,
    readonly channels: number,
  ) {
    this.context = params.dense(`${name}/conv_context`, embedDim, channels, false);
  }

  /**
   * @param h `[B, H, W, C]` image features (queries)
   * @param words `[B, T, E]` word features; `mask` `[B, T]` is 1 for real words
   * @returns the word context per location `[B, H, W, C]` and the attention `[B, H·W, T]`, which sums to 1 over
   *   the words at each location and is 0 on padding.
   */
  apply(h: tf.Tensor4D, words: tf.Tensor3D, mask: tf.Tensor2D): {context: tf.Tensor4D; attention: tf.Tensor3D} {
    const [b, hh, ww, c] = h.shape;
    const source = dense(words, this.context) as tf.Tensor3D; // [B, T, C]
    const query = tf.reshape(h, [b, hh * ww, c]);
    const logits = tf.add(tf.matMul(query, source, false, true), tf.mul(tf.sub(tf.expandDims(mask, 1), 1), 1e9));
    const attention = tf.softmax(logits) as tf.Tensor3D; // over words
    const context = tf.reshape(tf.matMul(attention, source), [b, hh, ww, c]) as tf.Tensor4D;
    return {context, attention};
  }
}
