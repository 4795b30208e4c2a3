// Identity in the forward pass, zero gradient in the backward pass (tfjs has no built-in stop_gradient).
import * as tf from '@tensorflow/tfjs';

const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Returns a copy of `x` through which no gradient flows, like PyTorch's `detach()`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
