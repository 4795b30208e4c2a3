// Batch normalisation as PyTorch does it: batch statistics while training (running averages updated,
// momentum 0.1, unbiased variance), running statistics in eval mode. In a data-parallel step the batch statistics
// are those of the whole batch, over every thread's rows (synchronised batch norm).
import * as tf from '@tensorflow/tfjs';
import {activeCollective, syncedMoments} from '../parallel/sharded-ops';
import type {BatchNormParams} from './params';

export interface BatchNormMode {
  training: boolean;
  /** Update the running statistics (training only). Off for a second forward pass of the same step. */
  updateStats?: boolean;
}

/** Normalises over every axis but the last (channels). */
export function batchNorm(
  x: tf.Tensor,
  p: BatchNormParams,
  mode: BatchNormMode,
  momentum = 0.1,
  eps = 1e-5,
): tf.Tensor {
  if (!mode.training) return tf.batchNorm(x, p.mean, p.variance, p.beta, p.gamma, eps);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const c = activeCollective();
  const sharded = c !== undefined && c.size > 1;
  const {mean, variance, count} = sharded
    ? syncedMoments(x, c)
    : {...tf.moments(x, axes), count: x.size / x.shape[x.shape.length - 1]!};
  if (mode.updateStats !== false) {
    const n = count;
    tf.tidy(() => {
      p.mean.assign(tf.add(tf.mul(p.mean, 1 - momentum), tf.mul(mean, momentum)));
      p.variance.assign(
        tf.add(tf.mul(p.variance, 1 - momentum), tf.mul(variance, (momentum * n) / Math.max(1, n - 1))),
      );
    });
  }
  return tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), p.gamma).add(p.beta);
}
