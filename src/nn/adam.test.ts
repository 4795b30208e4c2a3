// Adam against the update rule computed in float64, on every backend present; on torch also its in-place native
// path against the tensor path, and a clone sharing a variable's data left as it was.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, TEST_BACKENDS, useBackend} from '../../test/support';
import {Adam} from './adam';

const OPTS = {lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8};

/** The rule in float64: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr/bc1 · m / (√v/bc2 + ε). */
function reference(theta: Float32Array, grads: Float32Array[]): number[] {
  const p = Array.from(theta);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    const bc1 = 1 - OPTS.beta1 ** t;
    const bc2 = Math.sqrt(1 - OPTS.beta2 ** t);
    for (let i = 0; i < p.length; i++) {
      m[i] = OPTS.beta1 * m[i]! + (1 - OPTS.beta1) * g[i]!;
      v[i] = OPTS.beta2 * v[i]! + (1 - OPTS.beta2) * g[i]! ** 2;
      p[i] = p[i]! - ((OPTS.lr / bc1) * m[i]!) / (Math.sqrt(v[i]!) / bc2 + OPTS.eps);
    }
  });
  return p;
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

for (const backendName of TEST_BACKENDS) {
  describe(`Adam on ${backendName}`, () => {
    it('follows the update rule over three steps, without leaking tensors', async () => {
      await useBackend(backendName);
      const theta = seededValues(4 * 3 * 5, 1);
      const grads = [2, 3, 4].map((s) => seededValues(theta.length, s));
      const w = tf.variable(tf.tensor3d(theta, [4, 3, 5]));
      const adam = new Adam(new Map([['w', w]]), OPTS);
      const before = tf.memory().numTensors;
      for (const g of grads) {
        const gt = tf.tensor3d(g, [4, 3, 5]);
        adam.apply({w: gt});
        gt.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'apply leaked');
      close(w.dataSync(), reference(theta, grads), 'θ');
      adam.dispose();
      w.dispose();
    });

    it('updates a variable whose data a clone, tf.clone or reshape shares without touching them', async () => {
      await useBackend(backendName);
      const theta = seededValues(64, 5);
      const g = tf.tensor1d(seededValues(64, 6));
      const solo = tf.variable(tf.tensor1d(theta));
      const shared = tf.variable(tf.tensor1d(theta));
      const clone = shared.clone(); // shares the variable's data: on torch the update must not go in place
      assert.equal(tf.engine().backend.refCount(shared.dataId), 2, 'the clone shares the data');
      // tf.clone and a reshape run a kernel: on torch they are views of the variable's storage under new data ids.
      const cloned = tf.clone(shared);
      const reshaped = tf.reshape(shared, [8, 8]);
      const a = new Adam(new Map([['w', solo]]), OPTS);
      const b = new Adam(new Map([['w', shared]]), OPTS);
      for (let step = 0; step < 3; step++) {
        a.apply({w: g});
        b.apply({w: g});
        close(shared.dataSync(), solo.dataSync(), `step ${step}: the in-place and tensor paths`);
      }
      close(clone.dataSync(), theta, 'the clone');
      close(cloned.dataSync(), theta, 'tf.clone');
      close(reshaped.dataSync(), theta, 'the reshape');
      close(
        solo.dataSync(),
        reference(
          theta,
          [0, 1, 2].map(() => g.dataSync() as Float32Array),
        ),
        'θ',
      );
      tf.dispose([g, solo, shared, clone, cloned, reshaped]);
      a.dispose();
      b.dispose();
    });
  });
}
