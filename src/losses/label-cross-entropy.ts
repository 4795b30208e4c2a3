// Cross-entropy label guidance: the baseline that trains a classifier head on the labels instead of contrasting.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {readLabels, readMultiHot} from './label-input';

/**
 * Label cross-entropy, the "cross-entropy label guidance" baseline the paper compares SupCon against.
 *
 * - Single labels (`number[]` or Tensor1D): softmax cross-entropy, mean over the batch:
 *   L = −(1/B) Σ_i log softmax(logits_i)[y_i].
 * - Label sets (`number[][]` or Tensor2D, 0/1): sigmoid binary cross-entropy, mean over batch and classes:
 *   L = −(1/BC) Σ_ic [y_ic·log σ(x_ic) + (1−y_ic)·log(1−σ(x_ic))], computed in the stable form
 *   max(x,0) − x·y + log(1 + e^−|x|).
 *
 * Shapes: `logits` is `[batch, classes]`; the result is a scalar.
 *
 * @example
 * const loss = labelCrossEntropyLoss(classifierLogits, [3, 0, 7, 7]);
 */
export function labelCrossEntropyLoss(
  logits: tf.Tensor2D,
  targets: number[] | tf.Tensor1D | number[][] | tf.Tensor2D,
): tf.Scalar {
  const FN = 'labelCrossEntropyLoss';
  if (!(logits instanceof tf.Tensor) || logits.rank !== 2) {
    const got = logits instanceof tf.Tensor ? `rank ${logits.rank}` : typeof logits;
    throw new InputError(FN, `logits must be a Tensor2D [batch, classes], but got ${got}`);
  }
  const [batch, classes] = logits.shape;
  const isSets =
    targets instanceof tf.Tensor ? targets.rank === 2 : Array.isArray(targets) && Array.isArray(targets[0]);
  if (isSets) {
    const rows = readMultiHot(FN, targets as number[][] | tf.Tensor2D, batch);
    if (rows[0]!.length !== classes) {
      throw new InputError(FN, `multiHot rows have ${rows[0]!.length} entries but logits has ${classes} classes`);
    }
    return tf.tidy(() => {
      const y = tf.tensor2d(rows, [batch, classes]);
      const perEntry = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
      return tf.mean(perEntry) as tf.Scalar;
    });
  }
  const labels = readLabels(FN, targets as number[] | tf.Tensor1D, batch);
  labels.forEach((v, i) => {
    if (v < 0 || v >= classes)
      throw new InputError(FN, `labels[${i}] is ${v}, outside [0, ${classes - 1}] for ${classes} classes`);
  });
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}
