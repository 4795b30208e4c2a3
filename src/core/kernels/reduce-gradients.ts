// Sum and Mean gradients that broadcast dy against a backend-made ones tensor instead of tfjs 4.22's JS-filled one.
// tfjs builds `ones(x.shape)` as a Float32Array in JS and uploads it on every backward pass: for a batch-norm mean
// over a [32, 32, 32, 32] activation that is 4 MB filled, copied and later collected each step. `onesLike(x)` runs
// on the backend (a native fill on torch). The result is the same multiply by ones, so values are bit-identical and
// the gradient of this gradient (MA-GP) is the Multiply's, as before.
import * as tf from '@tensorflow/tfjs';

function broadcastDy(dy: tf.Tensor, x: tf.Tensor, axis: unknown): {dy: tf.Tensor; reduceSize: number} {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const expanded = x.shape.slice();
  let reduceSize = 1;
  for (const a of axes) {
    reduceSize *= x.shape[a]!;
    expanded[a] = 1;
  }
  const ones = x.dtype === 'float32' ? tf.onesLike(x) : tf.ones(x.shape, 'float32');
  return {dy: tf.mul(tf.reshape(dy, expanded), ones), reduceSize};
}

export const sumGradient: tf.GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => ({x: () => broadcastDy(dy as tf.Tensor, saved[0]!, attrs['axis']).dy}),
};

export const meanGradient: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => ({
    x: () => {
      const b = broadcastDy(dy as tf.Tensor, saved[0]!, attrs['axis']);
      return tf.div(b.dy, b.reduceSize);
    },
  }),
};
