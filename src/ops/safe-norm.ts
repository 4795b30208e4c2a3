// L2 norm with a finite gradient at zero (tf.norm's gradient is 0/0 there, e.g. on zero padding vectors).
import * as tf from '@tensorflow/tfjs';

/** sqrt(Σ x² + eps) along `axis`; equals the norm to within √eps and its gradient is 0 at x = 0. */
export function safeNorm(x: tf.Tensor, axis: number, keepDims = false, eps = 1e-12): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(x), axis, keepDims), eps));
}
