// Keras' InceptionV3 topology (keras.applications.inception_v3, include_top) in tfjs layers, with seeded random
// weights and every channel count times `widthScale`: what a converted ImageNet folder holds, for tests and benches.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

/**
 * Layer names as Keras gives them where scg reads them (`mixed0` … `mixed10`, `avg_pool`, `predictions`); conv +
 * batch norm (no scale, ε 0.001) + ReLU units as Keras' `conv2d_bn`. `widthScale` 1 is the real network (23.9 M
 * parameters, 299 px input); smaller values keep the layout for fast tests.
 */
export function kerasInceptionV3(
  opts: {widthScale?: number; inputSize?: number; classes?: number; seed?: number} = {},
) {
  const k = opts.widthScale ?? 1;
  const ch = (n: number) => Math.max(1, Math.round(n * k));
  let seed = opts.seed ?? 1;
  const unit = (x: T, filters: number, rows: number, cols: number, strides = 1, padding: 'same' | 'valid' = 'same') => {
    const c = tf.layers
      .conv2d({
        filters: ch(filters),
        kernelSize: [rows, cols],
        strides,
        padding,
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({seed: seed++}),
      })
      .apply(x) as T;
    const bn = tf.layers
      .batchNormalization({
        axis: 3,
        scale: false,
        epsilon: 0.001,
        movingVarianceInitializer: tf.initializers.randomUniform({minval: 0.5, maxval: 1.5, seed: seed++}),
      })
      .apply(c) as T;
    return tf.layers.activation({activation: 'relu'}).apply(bn) as T;
  };
  const avgPool = (x: T) => tf.layers.averagePooling2d({poolSize: 3, strides: 1, padding: 'same'}).apply(x) as T;
  const maxPool = (x: T) => tf.layers.maxPooling2d({poolSize: 3, strides: 2}).apply(x) as T;
  const concat = (xs: T[], name?: string) => tf.layers.concatenate({axis: 3, ...(name ? {name} : {})}).apply(xs) as T;

  const size = opts.inputSize ?? 299;
  const input = tf.input({shape: [size, size, 3]});
  let x = unit(input, 32, 3, 3, 2, 'valid');
  x = unit(x, 32, 3, 3, 1, 'valid');
  x = unit(x, 64, 3, 3);
  x = maxPool(x);
  x = unit(x, 80, 1, 1, 1, 'valid');
  x = unit(x, 192, 3, 3, 1, 'valid');
  x = maxPool(x);
  // 35 × 35: mixed0–2
  for (const [i, pool] of [32, 64, 64].entries()) {
    const b1 = unit(x, 64, 1, 1);
    const b5 = unit(unit(x, 48, 1, 1), 64, 5, 5);
    const b3 = unit(unit(unit(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    x = concat([b1, b5, b3, unit(avgPool(x), pool, 1, 1)], `mixed${i}`);
  }
  // 17 × 17: mixed3 reduces, mixed4–7 factorise 7 × 7
  x = concat(
    [unit(x, 384, 3, 3, 2, 'valid'), unit(unit(unit(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, 'valid'), maxPool(x)],
    'mixed3',
  );
  for (const [i, c] of [128, 160, 160, 192].entries()) {
    const b1 = unit(x, 192, 1, 1);
    const b7 = unit(unit(unit(x, c, 1, 1), c, 1, 7), 192, 7, 1);
    let bd = unit(x, c, 1, 1);
    for (const [r, s] of [
      [7, 1],
      [1, 7],
      [7, 1],
    ] as const)
      bd = unit(bd, c, r, s);
    bd = unit(bd, 192, 1, 7);
    x = concat([b1, b7, bd, unit(avgPool(x), 192, 1, 1)], `mixed${4 + i}`);
  }
  // 8 × 8: mixed8 reduces, mixed9–10 expand
  x = concat(
    [
      unit(unit(x, 192, 1, 1), 320, 3, 3, 2, 'valid'),
      unit(unit(unit(unit(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 2, 'valid'),
      maxPool(x),
    ],
    'mixed8',
  );
  for (const i of [0, 1]) {
    const b1 = unit(x, 320, 1, 1);
    const b3 = unit(x, 384, 1, 1);
    const b3split = concat([unit(b3, 384, 1, 3), unit(b3, 384, 3, 1)], `mixed9_${i}`);
    const bd = unit(unit(x, 448, 1, 1), 384, 3, 3);
    const bdsplit = concat([unit(bd, 384, 1, 3), unit(bd, 384, 3, 1)]);
    x = concat([b1, b3split, bdsplit, unit(avgPool(x), 192, 1, 1)], `mixed${9 + i}`);
  }
  const pooled = tf.layers.globalAveragePooling2d({name: 'avg_pool'}).apply(x) as T;
  const out = tf.layers
    .dense({
      units: opts.classes ?? 1000,
      activation: 'softmax',
      name: 'predictions',
      kernelInitializer: tf.initializers.glorotUniform({seed: seed++}),
    })
    .apply(pooled) as T;
  return tf.model({inputs: input, outputs: out, name: 'inception_v3'});
}
