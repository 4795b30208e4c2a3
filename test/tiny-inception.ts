// A tiny stand-in for a converted Keras InceptionV3 (for tests): its input, a `mixed7` region map after a batch
// norm with non-trivial moving statistics, an `avg_pool` code and softmax `predictions`; weights are seeded.
import * as tf from '@tensorflow/tfjs';
import {saveLayersModel} from '../src/core/model-files';

/**
 * 24×24×3 → conv3×3/2 → batch norm → ReLU (`mixed7`, 11×11×4) → conv3×3/2 + ReLU (5×5×6) → global mean
 * (`avg_pool`, 6) → dense softmax (`predictions`, 5). `seed` changes every weight.
 */
export function tinyInception(seed = 1): tf.LayersModel {
  const normal = (s: number) => tf.initializers.randomNormal({seed: seed * 10 + s});
  const input = tf.input({shape: [24, 24, 3]});
  const c1 = tf.layers
    .conv2d({filters: 4, kernelSize: 3, strides: 2, useBias: false, kernelInitializer: normal(1)})
    .apply(input);
  const bn = tf.layers
    .batchNormalization({
      scale: false,
      epsilon: 0.001,
      betaInitializer: normal(2),
      movingMeanInitializer: normal(3),
      movingVarianceInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 2, seed: seed * 10 + 4}),
    })
    .apply(c1);
  const mixed7 = tf.layers.activation({activation: 'relu', name: 'mixed7'}).apply(bn);
  const c2 = tf.layers
    .conv2d({filters: 6, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: normal(5)})
    .apply(mixed7);
  const pool = tf.layers.globalAveragePooling2d({name: 'avg_pool'}).apply(c2);
  const out = tf.layers
    .dense({units: 5, activation: 'softmax', name: 'predictions', kernelInitializer: normal(6)})
    .apply(pool) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: out});
}

/** Saves `tinyInception(seed)` into `dir` as a tfjs layers model folder (what `inceptionPath` keys take). */
export async function saveTinyInception(dir: string, seed = 1): Promise<void> {
  const model = tinyInception(seed);
  await saveLayersModel(model, dir);
  model.dispose();
}
