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
  if (sameClass)
    s = tf.where(
      tf.tensor2d(
        sameClass.map((r) => r.map((v) => (v ? 1 : 0))),
        [n, n],
        'bool',
      ),
      tf.fill([n, n], -1e9),
      s,
    ) as tf.Tensor2D;
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
    throw new InputError(
      'damsmSentenceLoss',
      `image and sentence must both be [batch, dim], but got [${image.shape}] and [${sentence.shape}]`,
    );
  }
  return tf.tidy(() =>
    bothDirections(tf.mul(cosineMatrix(image, sentence), options.gamma3 ?? 10) as tf.Tensor2D, options.sameClass),
  );
}

/**
 * Word loss. For caption i and image j: each word attends over image j's regions
 * (softmax over words, then ×γ1 and softmax over regions, as AttnGAN's func_attention), giving a region
 * context c_t per word; R(i,j) = log Σ_t exp(γ2·cos(w_t, c_t)) over the caption's real words. Scores γ3·R go
 * through the same two-direction cross-entropy as the sentence loss.
 * Shapes: `regions` `[batch, R, dim]`, `words` `[batch, T, dim]`, `wordMask` `[batch, T]` (1 = real word).
 */
export function damsmWordLoss(
  regions: tf.Tensor3D,
  words: tf.Tensor3D,
  wordMask: tf.Tensor2D,
  options: DamsmOptions = {},
): tf.Scalar {
  checkWordInputs('damsmWordLoss', regions, words, wordMask, true);
  return tf.tidy(() => damsmWordLossFromScores(damsmWordScores(regions, words, wordMask, options), options));
}

/**
 * The word loss from its score matrix R `[captions, images]` (caption i matches image i): the two-direction
 * cross-entropy of γ3·R. A data-parallel step computes R's rows on the thread that holds those captions
 * (`damsmWordScores`), gathers them, and takes this on the whole matrix.
 */
export function damsmWordLossFromScores(scores: tf.Tensor2D, options: DamsmOptions = {}): tf.Scalar {
  if (scores.rank !== 2 || scores.shape[0] !== scores.shape[1])
    throw new InputError('damsmWordLossFromScores', `scores must be square [batch, batch], but got [${scores.shape}]`);
  return tf.tidy(() =>
    bothDirections(tf.mul(tf.transpose(scores), options.gamma3 ?? 10) as tf.Tensor2D, options.sameClass),
  );
}

/**
 * R(i, j) of the word loss for every caption i of `words` and every image j of `regions` (the two counts may
 * differ): `[captions, images]`, before the γ3 scale.
 */
export function damsmWordScores(
  regions: tf.Tensor3D,
  words: tf.Tensor3D,
  wordMask: tf.Tensor2D,
  options: DamsmOptions = {},
): tf.Tensor2D {
  checkWordInputs('damsmWordScores', regions, words, wordMask, false);
  const [images, nRegions, dim] = regions.shape;
  const [captions, nWords] = words.shape;
  const g1 = options.gamma1 ?? 4;
  const g2 = options.gamma2 ?? 5;
  return tf.tidy(() => {
    // sim[i, j, t, r] = word t of caption i · region r of image j
    const sim = tf.transpose(
      tf.reshape(
        tf.matMul(
          tf.reshape(words, [captions * nWords, dim]),
          tf.reshape(regions, [images * nRegions, dim]),
          false,
          true,
        ),
        [captions, nWords, images, nRegions],
      ),
      [0, 2, 1, 3],
    );
    const maskB = tf.reshape(wordMask, [captions, 1, nWords, 1]);
    const overWords = tf.softmax(tf.transpose(tf.add(sim, tf.mul(tf.sub(maskB, 1), 1e9)), [0, 1, 3, 2])); // [i, j, r, t]
    const attn = tf.softmax(tf.mul(tf.transpose(overWords, [0, 1, 3, 2]), g1)); // [i, j, t, r], over regions
    // context[i, j, t] = Σ_r attn[i, j, t, r] · region[j, r]
    const attnByImage = tf.reshape(tf.transpose(attn, [1, 0, 2, 3]), [images, captions * nWords, nRegions]);
    const context = tf.transpose(
      tf.reshape(tf.matMul(attnByImage, regions), [images, captions, nWords, dim]),
      [1, 0, 2, 3],
    );
    const w = tf.expandDims(words, 1);
    const cos = tf.div(tf.sum(tf.mul(w, context), 3), tf.maximum(tf.mul(safeNorm(w, 3), safeNorm(context, 3)), 1e-8));
    return tf.log(
      tf.sum(tf.mul(tf.exp(tf.mul(cos, g2)), tf.reshape(wordMask, [captions, 1, nWords])), 2),
    ) as tf.Tensor2D; // [i (text), j (image)]
  });
}

function checkWordInputs(
  fn: string,
  regions: tf.Tensor3D,
  words: tf.Tensor3D,
  wordMask: tf.Tensor2D,
  sameBatch: boolean,
): void {
  if (regions.rank !== 3 || words.rank !== 3)
    throw new InputError(fn, `regions and words must be rank 3, but got ranks ${regions.rank} and ${words.rank}`);
  if (regions.shape[2] !== words.shape[2] || (sameBatch && regions.shape[0] !== words.shape[0])) {
    throw new InputError(
      fn,
      `regions [${regions.shape}] and words [${words.shape}] disagree on ${sameBatch ? 'batch or dim' : 'dim'}`,
    );
  }
  const [captions, nWords] = words.shape;
  if (wordMask.shape.join() !== [captions, nWords].join())
    throw new InputError(fn, `wordMask must be [${captions}, ${nWords}], but got [${wordMask.shape}]`);
}
