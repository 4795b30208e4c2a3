// Spectral normalisation against an SVD (ml-matrix) and its gradient against finite differences.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {Matrix, SingularValueDecomposition} from 'ml-matrix';
import {Rng} from '../core/rng';
import {seededValues, useBestBackend} from '../../test/support';
import {ParamSet} from './params';
import {spectralConv, spectralNormalize} from './spectral-norm';

/** The largest singular value of a `[..., out]` weight viewed as `[fan_in, out]`. */
function topSingular(values: Float32Array, out: number): number {
  const rows = values.length / out;
  const m = new Matrix(rows, out);
  for (let r = 0; r < rows; r++) for (let c = 0; c < out; c++) m.set(r, c, values[r * out + c]!);
  return new SingularValueDecomposition(m).diagonal[0]!;
}

describe('spectral normalisation', () => {
  it('divides a weight by its largest singular value once the power iteration has converged', async () => {
    await useBestBackend();
    const params = new ParamSet('d', Rng.for(3, 'sn'));
    const layer = spectralConv(params, 'c', 3, 4, 6);
    assert.ok(Math.abs(tf.norm(layer.u).dataSync()[0]! - 1) < 1e-5, 'u starts as a unit vector');
    const sigma = topSingular(layer.w.dataSync() as Float32Array, 6);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++)
      tf.tidy(() => {
        spectralNormalize(layer.w, layer.u, true);
      });
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    const normalised = tf.tidy(() => spectralNormalize(layer.w, layer.u, false).dataSync() as Float32Array);
    const ratio = layer.w.dataSync()[0]! / normalised[0]! / sigma;
    assert.ok(Math.abs(ratio - 1) < 1e-3, `σ estimate / SVD σ = ${ratio}`);
    assert.ok(Math.abs(topSingular(normalised, 6) - 1) < 1e-3, 'the normalised weight has spectral norm 1');
    const u = Float32Array.from(layer.u.dataSync());
    tf.tidy(() => {
      spectralNormalize(layer.w, layer.u, false);
    });
    assert.deepEqual(Float32Array.from(layer.u.dataSync()), u, 'update: false leaves u alone');
    params.dispose();
  });

  it('has the gradient of W / σ(W) at the converged u (u and v as constants, as PyTorch detaches them)', async () => {
    await useBestBackend();
    const params = new ParamSet('d', Rng.for(4, 'sn'));
    const layer = spectralConv(params, 'c', 1, 3, 4);
    for (let i = 0; i < 200; i++)
      tf.tidy(() => {
        spectralNormalize(layer.w, layer.u, true);
      });
    const r = tf.tensor(seededValues(12, 9), layer.w.shape);
    const f = (w: tf.Tensor) => tf.sum(tf.mul(spectralNormalize(w, layer.u, false), r)) as tf.Scalar;
    const grad = tf.tidy(() => tf.grad(f)(layer.w).dataSync() as Float32Array);
    const w0 = Float32Array.from(layer.w.dataSync());
    const h = 1e-3;
    for (const i of [0, 5, 11]) {
      const at = (d: number) => {
        const w = Float32Array.from(w0);
        w[i]! += d;
        return tf.tidy(() => f(tf.tensor(w, layer.w.shape)).dataSync()[0]!);
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      assert.ok(Math.abs(numeric - grad[i]!) < 2e-2 * (1 + Math.abs(numeric)), `∂/∂w[${i}]: ${grad[i]} vs ${numeric}`);
    }
    r.dispose();
    params.dispose();
  });
});
