import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useWasm} from '../../../test/support';
import {wasmKernelPatches, wasmKernelWrappers} from '.';

/** Runs `f` on the given backend with fresh inputs and returns its result as plain numbers. */
async function onBackend(name: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<{shape: number[]; values: Float32Array}> {
  await tf.setBackend(name);
  const t = f();
  const out = {shape: t.shape, values: t.dataSync() as Float32Array};
  t.dispose();
  return out;
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  a.forEach((v, i) => (err = Math.max(err, Math.abs(v - b[i]!))));
  return err / scale;
}

describe('wasm kernel patches', () => {
  before(useWasm);

  it('are one explicit list, registered for wasm only', () => {
    assert.deepEqual(
      wasmKernelPatches.map((k) => k.kernelName),
      ['Conv2DBackpropFilter', 'UnsortedSegmentSum'],
    );
    assert.deepEqual(
      wasmKernelWrappers.map((k) => k.kernelName),
      ['BatchMatMul', 'Conv2DBackpropInput'],
    );
    for (const k of wasmKernelPatches) {
      assert.equal(k.backendName, 'wasm');
      assert.equal(tf.getKernel(k.kernelName, 'wasm')?.kernelFunc, k.kernelFunc);
    }
  });

  // Shapes: [batch, h, w, cin], kernel, cout, stride, padding. Odd sizes and asymmetric 'same' padding included.
  const convCases: [number[], number, number, number, 'same' | 'valid'][] = [];
  for (const k of [3, 4, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) convCases.push([[2, 9, 11, 3], k, 4, stride, pad]);
    }
  }
  convCases.push([[3, 16, 16, 8], 4, 5, 2, 'same'], [[1, 7, 7, 2], 1, 3, 1, 'valid']);

  for (const [xShape, k, cout, stride, pad] of convCases) {
    it(`Conv2DBackpropFilter matches cpu: x [${xShape}] k${k} s${stride} ${pad}`, async () => {
      const seed = xShape[1]! * 100 + k * 10 + stride;
      const xv = seededValues(
        xShape.reduce((a, b) => a * b),
        seed,
      );
      const wShape = [k, k, xShape[3]!, cout];
      const wv = seededValues(
        wShape.reduce((a, b) => a * b),
        seed + 1,
      );
      const dW = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
          const w = tf.tensor4d(wv, wShape as [number, number, number, number]);
          // Gradient of sum(conv * r) w.r.t. the filter runs Conv2DBackpropFilter with dy = r.
          return tf.grad((wt: tf.Tensor) => {
            const y = tf.conv2d(x, wt as tf.Tensor4D, stride, pad);
            return tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, seed + 2), y.shape)));
          })(w);
        });
      const ref = await onBackend('cpu', dW);
      const got = await onBackend('wasm', dW);
      assert.deepEqual(got.shape, ref.shape);
      assert.ok(maxRelError(got.values, ref.values) < 1e-5, `max rel error ${maxRelError(got.values, ref.values)}`);
    });
  }

  for (const [xShape, k, cout, stride, pad] of convCases) {
    it(`Conv2DBackpropInput matches cpu: x [${xShape}] k${k} s${stride} ${pad}`, async () => {
      const seed = xShape[2]! * 100 + k * 10 + stride;
      const xv = seededValues(
        xShape.reduce((a, b) => a * b),
        seed,
      );
      const wv = seededValues(k * k * xShape[3]! * cout, seed + 1);
      const dX = () =>
        tf.tidy(() => {
          const w = tf.tensor4d(wv, [k, k, xShape[3]!, cout]);
          // Gradient of sum(conv * r) w.r.t. the input runs Conv2DBackpropInput with dy = r.
          return tf.grad((xt: tf.Tensor) => {
            const y = tf.conv2d(xt as tf.Tensor4D, w, stride, pad);
            return tf.sum(tf.mul(y, tf.tensor(seededValues(y.size, seed + 2), y.shape)));
          })(tf.tensor4d(xv, xShape as [number, number, number, number]));
        });
      const ref = await onBackend('cpu', dX);
      const got = await onBackend('wasm', dX);
      assert.deepEqual(got.shape, ref.shape);
      assert.ok(maxRelError(got.values, ref.values) < 1e-5, `max rel error ${maxRelError(got.values, ref.values)}`);
    });
  }

  for (const [aShape, bShape, ta, tb] of [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [4, 7, 3], false, false],
    [[4, 7, 5], [4, 3, 7], true, true],
    [[4, 5, 7], [1, 7, 3], false, false],
    [[2, 3, 5, 7], [2, 3, 7, 2], false, false],
  ] as [number[], number[], boolean, boolean][]) {
    it(`BatchMatMul wrapper matches cpu: [${aShape}]${ta ? 'ᵀ' : ''} · [${bShape}]${tb ? 'ᵀ' : ''}`, async () => {
      const av = seededValues(
        aShape.reduce((x, y) => x * y),
        21,
      );
      const bv = seededValues(
        bShape.reduce((x, y) => x * y),
        22,
      );
      const f = () => tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb));
      const ref = await onBackend('cpu', f);
      const got = await onBackend('wasm', f);
      assert.deepEqual(got.shape, ref.shape);
      assert.ok(maxRelError(got.values, ref.values) < 1e-5);
    });
  }

  it('UnsortedSegmentSum matches cpu, directly and as the gradient of an embedding lookup', async () => {
    const table = seededValues(10 * 6, 5);
    const ids = [3, 1, 3, 0, 9, 3, 1, 7];
    const direct = () =>
      tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(seededValues(8 * 6, 6), [8, 6]), tf.tensor1d(ids, 'int32'), 10));
    const embedGrad = () =>
      tf.tidy(() =>
        tf.grad((t: tf.Tensor) => {
          const rows = tf.gather(t, tf.tensor2d(ids, [2, 4], 'int32'));
          return tf.sum(tf.mul(rows, tf.tensor(seededValues(rows.size, 8), rows.shape)));
        })(tf.tensor2d(table, [10, 6])),
      );
    for (const f of [direct, embedGrad]) {
      const ref = await onBackend('cpu', f);
      const got = await onBackend('wasm', f);
      assert.deepEqual(got.shape, ref.shape);
      assert.ok(maxRelError(got.values, ref.values) < 1e-6);
    }
  });

  // tfjs-cpu 4.22's own kernel is wrong for batch > 1; wasm's is right except with halfPixelCenters, where its
  // gradient does not match its own forward pass. The reference that needs neither: the forward pass of an image
  // whose pixels hold their own index says which source pixel each output copies, and the gradient sums dy there.
  it("cpu ResizeNearestNeighborGrad (scg's fix of tfjs-cpu 4.22) is the gradient of the forward pass for batch > 1, and matches wasm", async () => {
    const shape: [number, number, number, number] = [3, 5, 7, 2];
    const n = shape.reduce((a, b) => a * b);
    const dy = seededValues(3 * 10 * 9 * 2, 32);
    for (const [align, half] of [
      [false, false],
      [true, false],
      [false, true],
    ] as [boolean, boolean][]) {
      const grad = () =>
        tf.tidy(() =>
          tf.grad((x: tf.Tensor) =>
            tf.sum(
              tf.mul(
                tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [10, 9], align, half),
                tf.tensor(dy, [3, 10, 9, 2]),
              ),
            ),
          )(tf.zeros(shape)),
        );
      const got = await onBackend('cpu', grad);
      const source = await onBackend('cpu', () =>
        tf.image.resizeNearestNeighbor(
          tf.tensor4d(
            Float32Array.from({length: n}, (_, i) => i),
            shape,
          ),
          [10, 9],
          align,
          half,
        ),
      );
      const expected = new Float32Array(n);
      source.values.forEach((src, i) => (expected[src] = expected[src]! + dy[i]!));
      assert.ok(
        maxRelError(got.values, expected) < 1e-6,
        `alignCorners ${align}, halfPixelCenters ${half}: ${maxRelError(got.values, expected)}`,
      );
      if (!half) {
        const wasm = await onBackend('wasm', grad);
        assert.ok(
          maxRelError(got.values, wasm.values) < 1e-6,
          `vs wasm, alignCorners ${align}: ${maxRelError(got.values, wasm.values)}`,
        );
      }
    }
    await tf.setBackend('wasm');
  });
});
