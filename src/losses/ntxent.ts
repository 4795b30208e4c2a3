// NT-Xent (SimCLR) for two branches: each row of `a` is positive with the same row of `b` only.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {supConLoss} from './supcon';

/**
 * Normalized-temperature cross-entropy over two branches.
 *
 * Equal to `supConLoss(stack([a, b], 1), {temperature, baseTemperature: temperature})` (no τ/τ_base scale): 2·batch anchors; the positive of a_i is b_i and
 * vice versa, every other row of both branches is a negative:
 *
 *     L = (1/2B) Σ_i −log( exp(z_i·z_i⁺/τ) / Σ_{a≠i} exp(z_i·z_a/τ) )
 *
 * Shapes: `a` and `b` are `[batch, dim]` (normalized inside); the result is a scalar.
 *
 * @example
 * const loss = ntXentLoss(imageCodesBranch1, imageCodesBranch2, {temperature: 0.1});
 */
export function ntXentLoss(a: tf.Tensor2D, b: tf.Tensor2D, options: {temperature?: number} = {}): tf.Scalar {
  const FN = 'ntXentLoss';
  for (const [name, t] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 2) {
      const got = t instanceof tf.Tensor ? `rank ${t.rank}` : typeof t;
      throw new InputError(FN, `${name} must be a Tensor2D [batch, dim], but got ${got}`);
    }
  }
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new InputError(FN, `a and b must have the same shape, but got [${a.shape}] and [${b.shape}]`);
  }
  const temperature = options.temperature ?? 0.07;
  // NT-Xent has no τ/τ_base scale (SimCLR, T2I_CL): τ_base = τ
  return tf.tidy(() => supConLoss(tf.stack([a, b], 1) as tf.Tensor3D, {temperature, baseTemperature: temperature}));
}
