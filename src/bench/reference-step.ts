// The CPU reference GAN step of ../shared/bench, in tfjs: a DCGAN-like G and D with hinge loss and Adam, so
// scg's speed can be compared with PyTorch's on the same step (bench/reference_step.py).
import * as tf from '@tensorflow/tfjs';
import {Adam} from '../nn/adam';
import {batchNorm} from '../nn/batch-norm';
import {namedGrads} from '../nn/grads';
import {BatchNormParams, conv, Conv, dense, Dense, ParamSet} from '../nn/params';
import {Rng} from '../runtime/rng';

export interface ReferenceStep {
  /** One D update on real + detached fakes, then one G update. */
  step(): void;
  /** The same step's forward passes only (G, D on real and fake, G again, D on the new fakes). */
  forward(): void;
  imagesPerStep: number;
  dispose(): void;
}

const PAD1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];

/**
 * G: dense(100 → 4·4·8ngf) → [×2 nearest, conv3×3 (channels halved, at least ngf), BN, LeakyReLU 0.2]
 * until `res` → conv3×3 → 3 → tanh. D: conv4×4/2 (pad 1) + LeakyReLU until 4×4 (channels doubled, at most 8ngf)
 * → flatten → dense → 1. Hinge loss; Adam 2e-4, β (0.5, 0.999); ngf = ndf = 32.
 */
export function buildReferenceStep(res: number, batch: number, ngf = 32): ReferenceStep {
  const rng = Rng.for(0, 'reference-step');
  const g = new ParamSet('g', rng);
  const d = new ParamSet('d', rng);
  const fc: Dense = g.dense('fc', 100, 4 * 4 * ngf * 8);
  const ups: {conv: Conv; bn: BatchNormParams}[] = [];
  let ch = ngf * 8;
  for (let s = 4; s < res; s *= 2) {
    const next = Math.max(ch / 2, ngf);
    ups.push({conv: g.conv(`up${s}`, 3, ch, next), bn: g.batchNorm(`bn${s}`, next)});
    ch = next;
  }
  const toRgb = g.conv('rgb', 3, ch, 3);
  const downs: Conv[] = [d.conv('down0', 4, 3, ngf)];
  let dch = ngf;
  for (let s = res / 2; s > 4; s /= 2) {
    const next = Math.min(dch * 2, ngf * 8);
    downs.push(d.conv(`down${s}`, 4, dch, next));
    dch = next;
  }
  const out: Dense = d.dense('out', dch * 4 * 4, 1);

  const G = (z: tf.Tensor2D, updateStats: boolean) => {
    let h = tf.reshape(dense(z, fc), [-1, 4, 4, ngf * 8]) as tf.Tensor4D;
    for (const u of ups) {
      const [, hh, ww] = h.shape;
      h = tf.leakyRelu(batchNorm(conv(tf.image.resizeNearestNeighbor(h, [2 * hh, 2 * ww]), u.conv), u.bn, {training: true, updateStats}), 0.2) as tf.Tensor4D;
    }
    return tf.tanh(conv(h, toRgb)) as tf.Tensor4D;
  };
  const D = (x: tf.Tensor4D) => {
    let h = x;
    for (const c of downs) h = tf.leakyRelu(conv(h, c, 2, PAD1 as unknown as number), 0.2) as tf.Tensor4D;
    return dense(tf.reshape(h, [h.shape[0], -1]), out);
  };
  const adamG = new Adam(g.variables, {lr: 2e-4, beta1: 0.5, beta2: 0.999});
  const adamD = new Adam(d.variables, {lr: 2e-4, beta1: 0.5, beta2: 0.999});
  const real = tf.tensor4d(Float32Array.from({length: batch * res * res * 3}, () => rng.uniform(-1, 1)), [batch, res, res, 3]);
  let count = 0;
  const noise = () => tf.tensor2d(Rng.for(0, 'reference-noise', count++).normals(batch * 100), [batch, 100]);
  const dLoss = (fake: tf.Tensor4D) => tf.add(tf.mean(tf.relu(tf.sub(1, D(real)))), tf.mean(tf.relu(tf.add(1, D(fake))))) as tf.Scalar;
  const gLoss = (z: tf.Tensor2D, updateStats: boolean) => tf.neg(tf.mean(D(G(z, updateStats)))) as tf.Scalar;
  return {
    imagesPerStep: batch,
    step: () => tf.tidy(() => {
      const z = noise();
      const fake = G(z, false);
      adamD.apply(namedGrads(() => dLoss(fake), d.variables).grads);
      adamG.apply(namedGrads(() => gLoss(z, true), g.variables).grads);
    }),
    forward: () => tf.tidy(() => {
      const z = noise();
      dLoss(G(z, false)).dataSync();
      gLoss(z, false).dataSync();
    }),
    dispose: () => {
      g.dispose();
      d.dispose();
      adamG.dispose();
      adamD.dispose();
      real.dispose();
    },
  };
}
