// The CPU reference GAN step of ../shared/bench, in tfjs: a DCGAN-like G and D with hinge loss and Adam, so
// scg's speed can be compared with PyTorch's on the same step (bench/reference_step.py).
import * as tf from '@tensorflow/tfjs';
import {Adam} from '../nn/adam';
import {batchNorm} from '../nn/batch-norm';
import {namedGrads} from '../nn/grads';
import {type BatchNormParams, conv, type Conv, dense, type Dense, ParamSet} from '../nn/params';
import {DataParallelGroup, type ShardPlace, type ShardProgram, shardRows} from '../parallel/group';
import {activeCollective, averageGradients} from '../parallel/sharded-ops';
import type {BackendChoice} from '../core/backend';
import {Rng} from '../core/rng';

export interface ReferenceStep {
  /** One D update on real + detached fakes, then one G update. */
  step(): void;
  /** The same step's forward passes only (G, D on real and fake, G again, D on the new fakes). */
  forward(): void;
  imagesPerStep: number;
  dispose(): void;
}

const PAD1: [[number, number], [number, number], [number, number], [number, number]] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

/**
 * G: dense(100 → 4·4·8ngf) → [×2 nearest, conv3×3 (channels halved, at least ngf), BN, LeakyReLU 0.2]
 * until `res` → conv3×3 → 3 → tanh. D: conv4×4/2 (pad 1) + LeakyReLU until 4×4 (channels doubled, at most 8ngf)
 * → flatten → dense → 1. Hinge loss; Adam 2e-4, β (0.5, 0.999); ngf = ndf = 32.
 */
export function buildReferenceStep(
  res: number,
  batch: number,
  ngf = 32,
  place: ShardPlace = {rank: 0, size: 1},
): ReferenceStep {
  const [first, end] = shardRows(batch, place);
  const rows = end - first;
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
      h = tf.leakyRelu(
        batchNorm(conv(tf.image.resizeNearestNeighbor(h, [2 * hh, 2 * ww]), u.conv), u.bn, {
          training: true,
          updateStats,
        }),
        0.2,
      ) as tf.Tensor4D;
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
  // The whole batch is drawn on every rank (same stream), and each keeps its rows.
  const realAll = Float32Array.from({length: batch * res * res * 3}, () => rng.uniform(-1, 1));
  const real = tf.tensor4d(realAll.subarray(first * res * res * 3, end * res * res * 3), [rows, res, res, 3]);
  let count = 0;
  const noise = () =>
    tf.tensor2d(
      Rng.for(0, 'reference-noise', count++)
        .normals(batch * 100)
        .subarray(first * 100, end * 100),
      [rows, 100],
    );
  const averaged = (grads: Record<string, tf.Tensor>) => averageGradients(grads, activeCollective());
  const dLoss = (fake: tf.Tensor4D) =>
    tf.add(tf.mean(tf.relu(tf.sub(1, D(real)))), tf.mean(tf.relu(tf.add(1, D(fake))))) as tf.Scalar;
  const gLoss = (z: tf.Tensor2D, updateStats: boolean) => tf.neg(tf.mean(D(G(z, updateStats)))) as tf.Scalar;
  return {
    imagesPerStep: rows,
    step: () =>
      tf.tidy(() => {
        const z = noise();
        const fake = G(z, false);
        adamD.apply(averaged(namedGrads(() => dLoss(fake), d.variables).grads));
        adamG.apply(averaged(namedGrads(() => gLoss(z, true), g.variables).grads));
      }),
    forward: () =>
      tf.tidy(() => {
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

type ReferenceMessage = 'step' | 'forward';

/** Worker-thread factory: rank `place.rank`'s share of the reference step. */
export function referenceShard(
  args: {res: number; batch: number; ngf: number},
  place: ShardPlace,
): ShardProgram<ReferenceMessage> {
  const step = buildReferenceStep(args.res, args.batch, args.ngf, place);
  return {handle: (m) => (m === 'step' ? step.step() : step.forward()), dispose: () => step.dispose()};
}

/** The reference step over `threads` data-parallel threads (1: this thread only). */
export async function startReferenceStep(
  res: number,
  batch: number,
  threads: number,
  backend: BackendChoice,
  ngf = 32,
): Promise<ReferenceStep & {close(): Promise<void>; group?: DataParallelGroup<ReferenceMessage>}> {
  if (threads === 1) {
    const step = buildReferenceStep(res, batch, ngf);
    return {...step, close: async () => step.dispose()};
  }
  const args = {res, batch, ngf};
  const group = await DataParallelGroup.start(
    threads,
    {module: __filename, factory: 'referenceShard', args},
    backend,
    referenceShard(args, {rank: 0, size: threads}),
  );
  return {
    imagesPerStep: batch,
    step: () => group.run('step'),
    forward: () => group.run('forward'),
    dispose: () => void group.close(),
    close: () => group.close(),
    group,
  };
}
