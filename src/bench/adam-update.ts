// The optimizer's cost at paper scale: one Adam update (nn/adam.ts) of weights shaped like the largest
// convolutions of a 256-px AttnGAN discriminator, median of timed updates, and PyTorch's Adam on the same shapes.
import * as tf from '@tensorflow/tfjs';
import {Adam} from '../nn/adam';
import {median} from './bench';

/** `[kh, kw, in, out]` weights: the two largest conv shapes of AttnGAN's D_NET256 at DF_DIM 64, 52 M parameters. */
export const ADAM_SHAPES: readonly (readonly number[])[] = [
  [4, 4, 1024, 2048],
  [3, 3, 2048, 1024],
];

/** Median ms of one `Adam.apply` over `ADAM_SHAPES` with fixed random gradients, after two untimed updates. */
export function adamUpdateMs(updates = 5): {params: number; ms: number} {
  const vars = new Map(ADAM_SHAPES.map((s, i) => [`w${i}`, tf.variable(tf.randomNormal([...s], 0, 0.01))]));
  const grads = Object.fromEntries([...vars].map(([k, v]) => [k, tf.randomNormal(v.shape, 0, 0.01)]));
  const adam = new Adam(vars, {lr: 1e-4, beta1: 0.5, beta2: 0.999});
  const times: number[] = [];
  for (let i = 0; i < updates + 2; i++) {
    const t0 = performance.now();
    adam.apply(grads);
    tf.engine().backend.readSync([...vars.values()][0]!.dataId); // wait for devices that run asynchronously
    if (i >= 2) times.push(performance.now() - t0);
  }
  const params = [...vars.values()].reduce((n, v) => n + v.size, 0);
  adam.dispose();
  tf.dispose([...vars.values(), ...Object.values(grads)]);
  return {params, ms: median(times)};
}
