// Gradient of AvgPoolGrad (missing in tfjs 4.22): needed for a gradient of a gradient through average pooling
// (MA-GP through the DF-GAN discriminator's shortcut). AvgPoolGrad is linear in dy: its gradient is avgPool.
import * as tf from '@tensorflow/tfjs';

export const avgPoolGradGradient: tf.GradConfig = {
  kernelName: 'AvgPoolGrad',
  inputsToSave: ['input'],
  gradFunc: (ddx: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const {filterSize, strides, pad} = attrs as unknown as tf.AvgPoolGradAttrs;
    return {
      dy: () => tf.avgPool(ddx as tf.Tensor4D, filterSize, strides, pad),
      input: () => tf.zerosLike(saved[0]!), // the result does not depend on the input's values
    };
  },
};
