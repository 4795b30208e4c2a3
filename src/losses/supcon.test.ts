import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {relDiff, seededValues, useBestBackend} from '../../test/support';
import {ntXentLoss} from './ntxent';
import {supConLoss} from './supcon';

/**
 * Independent float64 reference: the SupCon formula written as loops over anchors, with positive weights
 * w(i, p) between samples (1/0, or Jaccard weights), the anchor itself excluded, mean over all anchors.
 */
function referenceSupCon(z: number[][][], w: number[][], tau: number, tauBase = tau): number {
  const batch = z.length;
  const views = z[0]!.length;
  const rows: {v: number[]; s: number}[] = [];
  for (let v = 0; v < views; v++) for (let b = 0; b < batch; b++) rows.push({v: normalize(z[b]![v]!), s: b});
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    let denom = 0;
    for (let a = 0; a < rows.length; a++) if (a !== i) denom += Math.exp(dot(rows[i]!.v, rows[a]!.v) / tau);
    let num = 0;
    let wsum = 0;
    for (let p = 0; p < rows.length; p++) {
      if (p === i) continue;
      const wp = w[rows[i]!.s]![rows[p]!.s]!;
      if (wp === 0) continue;
      num += wp * (dot(rows[i]!.v, rows[p]!.v) / tau - Math.log(denom));
      wsum += wp;
    }
    total += wsum > 0 ? -(tau / tauBase) * (num / wsum) : 0;
  }
  return total / rows.length;
}
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
const normalize = (a: number[]) => {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
};

function randomFeatures(batch: number, views: number, dim: number, seed: number): number[][][] {
  const v = seededValues(batch * views * dim, seed);
  return Array.from({length: batch}, (_, b) =>
    Array.from({length: views}, (_, w) => Array.from(v.subarray((b * views + w) * dim, (b * views + w + 1) * dim))),
  );
}

function lossValue(f: () => tf.Scalar): number {
  const t = f();
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

describe('supConLoss', () => {
  before(useBestBackend);

  it('matches hand arithmetic: 3 samples, 1 view, labels [0, 0, 1], tau 1', () => {
    // z0=(1,0), z1=(0,1), z2=(1,0). Anchor 0: positive z1 (dot 0), others z1 (0), z2 (1): log(1+e).
    // Anchor 1: positive z0 (dot 0), others z0 (0), z2 (0): log 2. Anchor 2: no positive: 0.
    const expected = (Math.log(1 + Math.E) + Math.log(2) + 0) / 3;
    const z = tf.tensor3d([[[1, 0]], [[0, 1]], [[1, 0]]]);
    const got = lossValue(() => supConLoss(z, {labels: [0, 0, 1], temperature: 1, baseTemperature: 1}));
    assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
    // the default τ_base is SupContrast's 0.07: the loss is scaled by τ/0.07
    const scaled = lossValue(() => supConLoss(z, {labels: [0, 0, 1], temperature: 1}));
    assert.ok(Math.abs(scaled - expected / 0.07) < 1e-5, `${scaled} vs ${expected / 0.07}`);
    z.dispose();
  });

  it('matches hand arithmetic: unsupervised, 2 samples x 2 views, tau 0.5, with tau/tau_base scaling', () => {
    // Rows (view-major): a=(1,0) s0v0, b=(-1,0) s1v0, c=(0,1) s0v1, d=(0,-1) s1v1; logits = dot/0.5.
    // Anchor a: positive c (dot 0); others b (-1), c (0), d (0) -> -[0 - log(e^-2 + 1 + 1)].
    // The square is symmetric, so every anchor gives the same term.
    const term = Math.log(Math.exp(-2) + 2);
    const z = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
      [
        [-1, 0],
        [0, -1],
      ],
    ]);
    assert.ok(Math.abs(lossValue(() => supConLoss(z, {temperature: 0.5, baseTemperature: 0.5})) - term) < 1e-6);
    assert.ok(Math.abs(lossValue(() => supConLoss(z, {temperature: 0.5})) - (0.5 / 0.07) * term) < 1e-5);
    // baseTemperature 1 scales by tau/tau_base = 0.5.
    assert.ok(Math.abs(lossValue(() => supConLoss(z, {temperature: 0.5, baseTemperature: 1})) - 0.5 * term) < 1e-6);
    z.dispose();
  });

  it('agrees with the float64 reference on random inputs: single-label, unsupervised, multi-label any and jaccard', () => {
    const batch = 8;
    const views = 3;
    const zs = randomFeatures(batch, views, 16, 7);
    const z = tf.tensor3d(zs);
    const labels = [0, 1, 2, 0, 1, 3, 3, 0];
    const multi = [
      [1, 0, 1, 0],
      [0, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 0, 1],
      [1, 0, 1, 1],
      [0, 0, 0, 0],
      [0, 1, 1, 0],
      [1, 0, 1, 0],
    ];
    const eqMask = labels.map((a) => labels.map((b) => (a === b ? 1 : 0)));
    const eye = labels.map((_, i) => labels.map((_, j) => (i === j ? 1 : 0)));
    const anyMask = multi.map((a) => multi.map((b) => (a.some((x, k) => x && b[k]) ? 1 : 0)));
    const jac = multi.map((a) =>
      multi.map((b) => {
        const inter = a.filter((x, k) => x && b[k]).length;
        const union = a.filter((x, k) => x || b[k]).length;
        const j = union ? inter / union : 0;
        return j >= 0.5 ? j : 0;
      }),
    );
    for (const tau of [0.07, 0.5]) {
      const cases: [string, number, number][] = [
        ['single', lossValue(() => supConLoss(z, {labels, temperature: tau})), referenceSupCon(zs, eqMask, tau, 0.07)],
        [
          'unsupervised',
          lossValue(() => supConLoss(z, {temperature: tau, baseTemperature: 0.07})),
          referenceSupCon(zs, eye, tau, 0.07),
        ],
        [
          'multi any',
          lossValue(() => supConLoss(z, {multiHot: multi, temperature: tau})),
          referenceSupCon(zs, anyMask, tau, 0.07),
        ],
        [
          'multi jaccard',
          lossValue(() =>
            supConLoss(z, {multiHot: multi, positives: 'jaccard', temperature: tau, baseTemperature: tau}),
          ),
          referenceSupCon(zs, jac, tau),
        ],
      ];
      for (const [name, got, want] of cases)
        assert.ok(relDiff(got, want) <= 1e-4, `${name} tau ${tau}: ${got} vs reference ${want}`);
    }
    z.dispose();
  });

  it('equivalences: distinct labels = NT-Xent, mask = labels, jaccard@1 on one-hot = single-label', () => {
    const z = tf.tensor3d(randomFeatures(6, 2, 8, 3));
    const distinct = lossValue(() => supConLoss(z, {labels: [0, 1, 2, 3, 4, 5], temperature: 0.2}));
    const unsup = lossValue(() => supConLoss(z, {temperature: 0.2}));
    const unscaled = lossValue(() => supConLoss(z, {temperature: 0.2, baseTemperature: 0.2}));
    const pair = lossValue(() =>
      tf.tidy(() => {
        const [a, b] = tf.unstack(z, 1) as [tf.Tensor2D, tf.Tensor2D];
        return ntXentLoss(a, b, {temperature: 0.2});
      }),
    );
    // NT-Xent has no τ/τ_base scale: it equals the unsupervised SupCon loss with τ_base = τ
    assert.ok(relDiff(distinct, unsup) < 1e-6 && relDiff(pair, unscaled) < 1e-6, `${distinct} ${unsup} ${pair}`);
    assert.ok(relDiff(unsup, (0.2 / 0.07) * unscaled) < 1e-6);

    const labels = [0, 1, 0, 2, 1, 0];
    const mask = tf.tensor2d(labels.map((a) => labels.map((b) => (a === b ? 1 : 0))));
    const byLabels = lossValue(() => supConLoss(z, {labels, temperature: 0.2}));
    assert.ok(
      relDiff(
        lossValue(() => supConLoss(z, {mask, temperature: 0.2})),
        byLabels,
      ) < 1e-6,
    );
    const oneHot = labels.map((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0)));
    const jac = lossValue(() =>
      supConLoss(z, {multiHot: oneHot, positives: 'jaccard', threshold: 1, temperature: 0.2}),
    );
    assert.ok(relDiff(jac, byLabels) < 1e-6, `${jac} vs ${byLabels}`);
    tf.dispose([z, mask]);
  });

  it('gradient matches central finite differences', () => {
    const values = seededValues(4 * 2 * 3, 11);
    const x = tf.tensor3d(values, [4, 2, 3]);
    const f = (t: tf.Tensor) => supConLoss(t as tf.Tensor3D, {labels: [0, 1, 0, 1], temperature: 0.5});
    const grad = tf.tidy(() => tf.grad(f)(x));
    const g = grad.dataSync();
    const h = 1e-2;
    for (let k = 0; k < values.length; k += 5) {
      const plus = values.slice();
      plus[k]! += h;
      const minus = values.slice();
      minus[k]! -= h;
      const fd =
        (lossValue(() => tf.tidy(() => f(tf.tensor3d(plus, [4, 2, 3])))) -
          lossValue(() => tf.tidy(() => f(tf.tensor3d(minus, [4, 2, 3]))))) /
        (2 * h);
      assert.ok(
        Math.abs(fd - g[k]!) < 2e-3 + 2e-2 * Math.abs(fd),
        `coordinate ${k}: analytic ${g[k]} vs finite difference ${fd}`,
      );
    }
    tf.dispose([x, grad]);
  });

  it('stays finite in value and gradient at tau 0.01 with identical features', () => {
    const x = tf.ones([4, 2, 8]) as tf.Tensor3D;
    const {value, grad: grads} = tf.tidy(() =>
      tf.valueAndGrad((t: tf.Tensor) =>
        supConLoss(t as tf.Tensor3D, {labels: [0, 0, 1, 1], temperature: 0.01, baseTemperature: 0.01}),
      )(x),
    );
    const v = value.dataSync()[0]!;
    // All logits equal: each anchor's 7 others share the softmax, so every log-prob is -log 7.
    assert.ok(Math.abs(v - Math.log(7)) < 1e-4, `value ${v}`);
    assert.ok(Array.from(grads.dataSync()).every(Number.isFinite));
    tf.dispose([x, value, grads]);
  });

  it('leaks no tensors across repeated calls', () => {
    const z = tf.tensor3d(randomFeatures(4, 2, 4, 1));
    lossValue(() => supConLoss(z, {labels: [0, 1, 0, 1]}));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      lossValue(() =>
        supConLoss(z, {
          multiHot: [
            [1, 0],
            [0, 1],
            [1, 1],
            [0, 0],
          ],
          positives: 'jaccard',
        }),
      );
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => supConLoss(t as tf.Tensor3D, {labels: [0, 1, 0, 1]}))(z);
      });
    }
    assert.equal(tf.memory().numTensors, before);
    z.dispose();
  });

  it('rejects bad input with typed errors that name the function', () => {
    const z = tf.zeros([8, 2, 4]) as tf.Tensor3D;
    const cases: [() => unknown, RegExp][] = [
      [
        () => supConLoss(tf.zeros([8, 4]) as unknown as tf.Tensor3D),
        /^supConLoss: features must be rank 3 .* got rank 2/,
      ],
      [
        () => supConLoss(z, {labels: [0, 1, 2, 3, 4, 5, 6]}),
        /^supConLoss: labels has 7 entries but features has batch 8$/,
      ],
      [
        () => supConLoss(z, {labels: [0, 0, 0, 0, 1, 1, 1, 1], multiHot: [[1]]}),
        /give at most one of labels, multiHot and mask, but got labels and multiHot/,
      ],
      [() => supConLoss(z, {temperature: 0}), /temperature must be a finite number > 0, but got 0/],
      [() => supConLoss(z, {temperature: Number.NaN}), /temperature must be a finite number > 0, but got NaN/],
      [
        () => supConLoss(z, {multiHot: Array(8).fill([1, 0]), positives: 'jaccard', threshold: 1.5}),
        /threshold must be in \(0, 1\], but got 1.5/,
      ],
      [
        () => supConLoss(z, {multiHot: [...Array(7).fill([1, 0]), [1, 0, 1]]}),
        /multiHot row 7 has 3 entries but row 0 has 2/,
      ],
      [() => supConLoss(z, {labels: [0, 1, 2, 3, 4, 5, 6, 7.5]}), /labels must be integers, but labels\[7\] is 7.5/],
      [() => supConLoss(z, {mask: tf.ones([4, 4]) as tf.Tensor2D}), /mask must be a \[8, 8\] Tensor2D/],
    ];
    for (const [call, message] of cases) {
      assert.throws(
        call,
        (err: unknown) => err instanceof InputError && err.fn === 'supConLoss' && message.test(err.message),
      );
    }
    z.dispose();
  });
});
