import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, TEST_BACKENDS, useBackend, useWasm} from '../../../test/support';
import {gradientPatches, gradientReplacements} from '.';

/** d/dx of ‖∇_x f(x)‖² : a gradient of a gradient, as MA-GP needs. */
function secondOrder(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float32Array {
  return tf.tidy(
    () =>
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.square(tf.grad((u: tf.Tensor) => tf.sum(f(u)))(v))))(x)
        .dataSync() as Float32Array,
  );
}

describe('gradient patches', () => {
  before(useWasm);

  it('are one explicit list: zero gradients for the comparison kernels, and the gradient of AvgPoolGrad', () => {
    assert.deepEqual(
      gradientPatches.map((g) => g.kernelName),
      ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'AvgPoolGrad'],
    );
    for (const k of ['Greater', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'AvgPoolGrad'])
      assert.ok(tf.getGradient(k), `${k} has a gradient`);
  });

  for (const backend of [...TEST_BACKENDS, 'cpu'] as const) {
    it(`${backend}: a gradient of a gradient through LeakyReLU (uses Greater) and squares matches the closed form`, async () => {
      if (backend === 'cpu') await tf.setBackend('cpu');
      else await useBackend(backend);
      const xv = seededValues(12, 3);
      // f = Σ leakyRelu(x)²: ∇f = 2·lr(x)·lr'(x); ‖∇f‖² = Σ 4·lr(x)²·lr'(x)²; its gradient = 8·lr·lr'³ (lr'' = 0).
      const got = secondOrder((u) => tf.square(tf.leakyRelu(u, 0.2)), tf.tensor(xv));
      xv.forEach((x, i) => {
        const d = x > 0 ? 1 : 0.2;
        assert.ok(Math.abs(got[i]! - 8 * (x > 0 ? x : 0.2 * x) * d ** 3) < 1e-4, `${got[i]} at x = ${x}`);
      });
      await useWasm();
    });
  }

  it('AvgPoolGrad gradient: second order through average pooling matches finite differences', () => {
    const xv = seededValues(1 * 4 * 4 * 2, 9);
    const w = tf.tensor4d(seededValues(1 * 2 * 2 * 2, 10), [1, 2, 2, 2]);
    const f = (u: tf.Tensor) => tf.mul(tf.square(tf.avgPool(u as tf.Tensor4D, 2, 2, 'valid')), w);
    const g = secondOrder(f, tf.tensor4d(xv, [1, 4, 4, 2]));
    const h = 1e-2;
    const value = (v: Float32Array) =>
      tf.tidy(
        () => tf.sum(tf.square(tf.grad((u: tf.Tensor) => tf.sum(f(u)))(tf.tensor4d(v, [1, 4, 4, 2])))).dataSync()[0]!,
      );
    for (const k of [0, 5, 17, 30]) {
      const p = xv.slice();
      p[k]! += h;
      const m = xv.slice();
      m[k]! -= h;
      const fd = (value(p) - value(m)) / (2 * h);
      assert.ok(Math.abs(fd - g[k]!) < 1e-3 + 1e-2 * Math.abs(fd), `coordinate ${k}: ${g[k]} vs ${fd}`);
    }
    w.dispose();
  });

  it('Sum and Mean are replaced: the gradient is dy broadcast over the reduced axes (over their size for Mean)', () => {
    assert.deepEqual(
      gradientReplacements.map((g) => g.kernelName),
      ['Sum', 'Mean'],
    );
    for (const g of gradientReplacements) assert.equal(tf.getGradient(g.kernelName), g, `${g.kernelName} is scg's`);
  });

  for (const backend of [...TEST_BACKENDS, 'cpu'] as const) {
    it(`${backend}: Sum and Mean gradients equal dy broadcast, bit for bit, and their second order matches the closed form`, async () => {
      if (backend === 'cpu') await tf.setBackend('cpu');
      else await useBackend(backend);
      const before = tf.memory().numTensors;
      const xv = seededValues(2 * 3 * 4, 5);
      const cv = seededValues(3, 6);
      tf.tidy(() => {
        const x = tf.tensor3d(xv, [2, 3, 4]);
        const c = tf.tensor1d(cv);
        // f = Σ_j c_j · mean_{i,k} x_ijk and g = Σ_j c_j · sum_{i,k} x_ijk: ∂f/∂x_ijk = c_j / 8, ∂g/∂x_ijk = c_j.
        const dMean = tf
          .grad((u: tf.Tensor) => tf.sum(tf.mul(tf.mean(u, [0, 2]), c)))(x)
          .dataSync();
        const dSum = tf
          .grad((u: tf.Tensor) => tf.sum(tf.mul(tf.sum(u, [0, 2], true), c.reshape([1, 3, 1]))))(x)
          .dataSync();
        for (let i = 0; i < xv.length; i++) {
          const j = Math.floor(i / 4) % 3;
          assert.equal(dMean[i], Math.fround(Math.fround(cv[j]!) / 8), `mean at ${i}`);
          assert.equal(dSum[i], Math.fround(cv[j]!), `sum at ${i}`);
        }
        // h = Σ (∂/∂x Σ mean_k(x²))² = Σ (2x/4)² = Σ x²/4: its gradient is x/2.
        const g2 = secondOrder((u) => tf.mean(tf.square(u), 2), x);
        xv.forEach((v, i) => assert.ok(Math.abs(g2[i]! - v / 2) < 1e-5, `${g2[i]} at x = ${v}`));
      });
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      await useWasm();
    });
  }
});
