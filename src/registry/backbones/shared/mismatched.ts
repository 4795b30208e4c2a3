// The mismatched (image, caption) pairs of a D loss: image i with the sentence of image i+1, as the original
// repos take real[:-1] with sentences[1:], over the whole batch when the step is data-parallel.
import * as tf from '@tensorflow/tfjs';
import {activeCollective, gatherRowsAt} from '../../../parallel/sharded-ops';
import {ScgError} from '../../../errors';

export interface MismatchedPairs<T extends tf.Tensor> {
  /** This thread's images (or image features) that have a next sentence. */
  x: T;
  /** The sentence of the next image of the whole batch, row by row. */
  sentences: tf.Tensor2D;
  /**
   * Multiplies the mean over these rows into this thread's share of the mean over all B − 1 pairs (1 on one
   * thread), so that averaging over threads gives the one-thread value.
   */
  weight: number;
}

/** Pairs for the mismatched-caption term; undefined for a batch of one (no pair). */
export function mismatchedPairs<T extends tf.Tensor>(x: T, sentences: tf.Tensor2D): MismatchedPairs<T> | undefined {
  const rows = x.shape[0]!;
  const c = activeCollective();
  if (!c || c.size === 1) {
    if (rows < 2) return undefined;
    return {x: sliceRows(x, 0, rows - 1), sentences: sliceRows(sentences, 1, rows - 1), weight: 1};
  }
  const {all, offset: start} = gatherRowsAt(sentences);
  const total = all.shape[0];
  const count = Math.min(start + rows, total - 1) - start;
  // Every thread must make the same collective calls, so none may skip D: each needs one pair at least.
  if (count < 1)
    throw new ScgError(
      'BAD_INPUT',
      `runtime.threads: thread ${c.rank} has ${rows} row(s) of the batch, too few for a data-parallel D step`,
      {hint: 'use fewer threads or a larger train.batchSize'},
    );
  return {
    x: sliceRows(x, 0, count),
    sentences: sliceRows(all, start + 1, count),
    weight: (count * c.size) / (total - 1),
  };
}

function sliceRows<T extends tf.Tensor>(x: T, start: number, count: number): T {
  return tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1).map(() => -1)]) as T;
}
