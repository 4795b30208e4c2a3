// Zero gradients for the comparison kernels: LeakyReLU's gradient uses them, so a gradient of a gradient
// (MA-GP in SSA-GAN and GALIP) fails in tfjs 4.22 with "gradient function not found for Greater" without them.
import * as tf from '@tensorflow/tfjs';

export const COMPARISON_KERNELS = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'] as const;

/** A comparison is piecewise constant: its gradient is 0 for both inputs. */
export function zeroComparisonGradient(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
      a: () => tf.zerosLike(saved[0]!),
      b: () => tf.zerosLike(saved[1]!),
    }),
  };
}
