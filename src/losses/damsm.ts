// DAMSM (AttnGAN): sentence–image and word–region matching losses over a batch, both directions.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {safeNorm} from '../ops/safe-norm';

export interface DamsmOptions {
  /** Sharpness of the word→region attention (γ1, AttnGAN: 4). */
  gamma1?: number;
  /** Aggregation sharpness over words (γ2, AttnGAN: 5). */
  gamma2?: number;
  /** Scale of the matching scores before the softmax over the batch (γ3, AttnGAN: 10). */
  gamma3?: number;
  /**
   * `[batch][batch]`: true where j ≠ i is a same-class pair. Those scores are excluded as negatives, as
   * AttnGAN does with its class ids.
   */
  sameClass?: boolean[][];
}

/** Cross-entropy of both softmax directions of a `[batch, batch]` score matrix whose diagonal are the matches. */
function bothDirections(scores: tf.Tensor2D, sameClass: boolean[][] | undefined): tf.Scalar {
  const n = scores.shape[0];
  let s = scores;
  if (sameClass) s = tf.where(tf.tensor2d(sameClass.map((r) => r.map((v) => (v ? 1 : 0))), [n, n], 'bool'), tf.fill([n, n], -1e9), s) as tf.Tensor2D;
  const eye = tf.eye(n);
  const ce = (m: tf.Tensor2D) => tf.neg(tf.mean(tf.sum(tf.mul(eye, tf.logSoftmax(m)), 1)));
  return tf.add(ce(s), ce(tf.transpose(s))) as tf.Scalar;
}

function cosineMatrix(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const na = tf.div(a, tf.maximum(safeNorm(a, 1, true), 1e-8));
  const nb = tf.div(b, tf.maximum(safeNorm(b, 1, true), 1e-8));
  return tf.matMul(na, nb, false, true);
}

/**
 * Sentence loss: S[i,j] = γ3·cos(image_i, sentence_j); L = CE(softmax over texts) + CE(softmax over images),
 * each averaged over the batch, with same-class pairs masked out as negatives.
 * Shapes: `image` and `sentence` are `[batch, dim]`.
 */
export function damsmSentenceLoss(image: tf.Tensor2D, sentence: tf.Tensor2D, options: DamsmOptions = {}): tf.Scalar {
  if (image.rank !== 2 || sentence.rank !== 2 || image.shape.join() !== sentence.shape.join()) {
    throw new InputError('damsmSentenceLoss', `image and sentence must both be [batch, dim], but got [${image.shape}] and [${sentence.shape}]`);
  }
  return tf.tidy(() => bothDirections(tf.mul(cosineMatrix(image, sentence), options.gamma3 ?? 10) as tf.Tensor2D, options.sameClass));
}

/**
 * Word loss. For caption i and image j: each word attends over image j's regions
 * (softmax over words, then ×γ1 and softmax over regions, as AttnGAN's func_attention), giving a region
 * context c_t per word; R(i,j) = log Σ_t exp(γ2·cos(w_t, c_t)) over the caption's real words. Scores γ3·R go
 * through the same two-direction cross-entropy as the sentence loss.
 * Shapes: `regions` `[batch, R, dim]`, `words` `[batch, T, dim]`, `wordMask` `[batch, T]` (1 = real word).
 */
export function damsmWordLoss(regions: tf.Tensor3D, words: tf.Tensor3D, wordMask: tf.Tensor2D, options: DamsmOptions = {}): tf.Scalar {
  const FN = 'damsmWordLoss';
  if (regions.rank !== 3 || words.rank !== 3) throw new InputError(FN, `regions and words must be rank 3, but got ranks ${regions.rank} and ${words.rank}`);
  const [batch, nRegions, dim] = regions.shape;
  const [batchW, nWords, dimW] = words.shape;
  if (batch !== batchW || dim !== dimW) throw new InputError(FN, `regions [${regions.shape}] and words [${words.shape}] disagree on batch or dim`);
  if (wordMask.shape.join() !== [batch, nWords].join()) throw new InputError(FN, `wordMask must be [${batch}, ${nWords}], but got [${wordMask.shape}]`);
  const g1 = options.gamma1 ?? 4;
  const g2 = options.gamma2 ?? 5;
  const g3 = options.gamma3 ?? 10;
  return tf.tidy(() => {
    // sim[i, j, t, r] = word t of caption i · region r of image j
    const sim = tf.transpose(tf.reshape(
      tf.matMul(tf.reshape(words, [batch * nWords, dim]), tf.reshape(regions, [batch * nRegions, dim]), false, true),
      [batch, nWords, batch, nRegions]), [0, 2, 1, 3]);
    const maskB = tf.reshape(wordMask, [batch, 1, nWords, 1]);
    const overWords = tf.softmax(tf.transpose(tf.add(sim, tf.mul(tf.sub(maskB, 1), 1e9)), [0, 1, 3, 2])); // [i, j, r, t]
    const attn = tf.softmax(tf.mul(tf.transpose(overWords, [0, 1, 3, 2]), g1)); // [i, j, t, r], over regions
    // context[i, j, t] = Σ_r attn[i, j, t, r] · region[j, r]
    const attnByImage = tf.reshape(tf.transpose(attn, [1, 0, 2, 3]), [batch, batch * nWords, nRegions]);
    const context = tf.transpose(tf.reshape(tf.matMul(attnByImage, regions), [batch, batch, nWords, dim]), [1, 0, 2, 3]);
    const w = tf.expandDims(words, 1);
    const cos = tf.div(tf.sum(tf.mul(w, context), 3), tf.maximum(tf.mul(safeNorm(w, 3), safeNorm(context, 3)), 1e-8));
    const rowSim = tf.log(tf.sum(tf.mul(tf.exp(tf.mul(cos, g2)), tf.reshape(wordMask, [batch, 1, nWords])), 2)); // [i (text), j (image)]
    return bothDirections(tf.mul(tf.transpose(rowSim), g3) as tf.Tensor2D, options.sameClass);
  });
}
