// The torch kernels against tfjs' cpu backend on random shapes and edge cases, and the coverage check: every kernel
// the registry-driven training steps run has a torch implementation. Skipped where the addon is not built.
import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, torchPresent, useBackend} from '../../../../test/support';
import {datasetFor, tinyBackbone, tinyEncoders, tinyExperiment} from '../../../../test/tiny';
import {backbones, contrastiveModes} from '../../../registry';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {buildPretrain} from '../../../runtime/phases/pretrain';
import {TORCH_BACKEND} from '.';

type Out = tf.Tensor | tf.Tensor[];
interface Case {
  name: string;
  f: () => Out;
  tol?: number;
}

const rand = (shape: number[], seed: number, scale = 1) =>
  tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ).map((v) => v * scale),
    shape,
  );
const ints = (values: number[], shape?: number[]) => tf.tensor(values, shape, 'int32');
/** Σ y·r for a fixed random r: its gradient runs a kernel's backprop with dy = r. */
const weighted = (y: tf.Tensor, seed: number) => tf.sum(tf.mul(y, rand(y.shape, seed)));

function values(out: Out): {shape: number[]; dtype: string; data: number[]}[] {
  return (Array.isArray(out) ? out : [out]).map((t) => ({
    shape: t.shape,
    dtype: t.dtype,
    data: Array.from(t.dataSync()),
  }));
}

async function on(backend: 'cpu' | 'torch', f: () => Out): Promise<ReturnType<typeof values>> {
  if (backend === 'cpu') await tf.setBackend('cpu');
  else await useBackend('torch');
  const out = tf.tidy(f);
  const v = values(out);
  tf.dispose(out);
  return v;
}

function cases(): Case[] {
  const list: Case[] = [];
  const add = (name: string, f: () => Out, tol?: number) => list.push(tol === undefined ? {name, f} : {name, f, tol});
  // Elementwise, with broadcasting and int32/bool dtypes.
  for (const op of [
    'abs',
    'exp',
    'log1p',
    'neg',
    'relu',
    'relu6',
    'sigmoid',
    'tanh',
    'square',
    'floor',
    'ceil',
    'round',
    'sign',
    'elu',
    'selu',
    'softplus',
    'erf',
    'sin',
    'cos',
    'atan',
    'expm1',
  ] as const) {
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test over tfjs ops by name
    add(`unary ${op}`, () => (tf[op] as (x: tf.Tensor) => tf.Tensor)(rand([3, 5], 1, 3)));
  }
  add('unary on positives: sqrt, rsqrt, log, reciprocal', () =>
    ['sqrt', 'rsqrt', 'log', 'reciprocal'].map((op) =>
      (tf as unknown as Record<string, (x: tf.Tensor) => tf.Tensor>)[op]!(tf.add(tf.abs(rand([4, 3], 2)), 0.1)),
    ),
  );
  add('round is half to even', () => tf.round(tf.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])));
  add('isNaN / isInf / isFinite / logicalNot', () => {
    const x = tf.tensor([1, NaN, Infinity, -Infinity, 0]);
    return [tf.isNaN(x), tf.isInf(x), tf.isFinite(x), tf.logicalNot(tf.tensor([1, 0, 1], undefined, 'bool'))];
  });
  add('int32 abs / neg / square / relu keep int32', () => [
    tf.abs(ints([-3, 2])),
    tf.neg(ints([-3, 2])),
    tf.square(ints([-3, 2])),
    tf.relu(ints([-3, 2])),
  ]);
  for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'atan2'] as const) {
    add(`binary ${op} broadcast [3,1,4]·[5,1]`, () =>
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test over tfjs ops by name
      (tf[op] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(rand([3, 1, 4], 3), tf.add(rand([5, 1], 4), 2)),
    );
  }
  add('pow, floorDiv and mod on floats and ints', () => [
    tf.pow(tf.abs(rand([6], 5, 2)), rand([6], 6)),
    tf.floorDiv(rand([6], 7, 5), tf.tensor([2, -2, 3, -3, 1.5, 2])),
    tf.mod(rand([6], 8, 5), tf.tensor([2, -2, 3, -3, 1.5, 2])),
    tf.floorDiv(ints([7, -7, 7, -7]), ints([2, 2, -2, -2])),
    tf.mod(ints([7, -7, 7, -7]), ints([3, 3, -3, -3])),
    tf.pow(ints([2, 3]), ints([3, 2])),
  ]);
  add('comparisons and logic give bool', () => {
    const a = tf.tensor([1, 2, 3, 4]);
    const b = tf.tensor([[2], [3]]);
    return [
      tf.equal(a, b),
      tf.notEqual(a, b),
      tf.less(a, b),
      tf.lessEqual(a, b),
      tf.greater(a, b),
      tf.greaterEqual(a, b),
      tf.logicalAnd(tf.greater(a, 1), tf.less(a, 4)),
      tf.logicalOr(tf.greater(a, 3), tf.less(a, 2)),
      tf.equal(ints([1, 2]), ints([1, 3])),
    ];
  });
  add('leakyRelu, prelu, step, clipByValue, where', () => [
    tf.leakyRelu(rand([4, 4], 9), 0.2),
    tf.prelu(rand([2, 3], 10), tf.tensor([0.1, 0.2, 0.3])),
    tf.step(tf.tensor([-1, 0, 2, NaN]), -1),
    tf.clipByValue(rand([10], 11, 3), -1, 0.5),
    tf.where(tf.greater(rand([3, 2], 12), 0), rand([3, 2], 13), rand([3, 2], 14)),
  ]);
  add('cast float→int32 truncates, →bool, bool→float, addN', () => [
    tf.cast(tf.tensor([-1.7, -0.2, 0.5, 2.9]), 'int32'),
    tf.cast(tf.tensor([0, 0.1, -2]), 'bool'),
    tf.cast(tf.tensor([true, false], undefined, 'bool'), 'float32'),
    tf.addN([rand([2, 3], 17), rand([2, 3], 18), rand([2, 3], 19)]),
  ]);
  // Reductions with keepDims, several axes, ints and bools.
  add('sum / mean / max / min / prod over axes, keepDims', () => {
    const x = rand([2, 3, 4], 20);
    return [
      tf.sum(x),
      tf.sum(x, [0, 2]),
      tf.sum(x, 1, true),
      tf.mean(x, -1),
      tf.mean(x, [0, 1], true),
      tf.max(x, 1),
      tf.min(x, [0, 2], true),
      tf.prod(x, 2),
      tf.sum(x, []),
    ];
  });
  add('reductions of int32 and bool, all / any, argMax / argMin', () => [
    tf.sum(ints([1, 2, 3, 4], [2, 2]), 0),
    tf.sum(tf.tensor([true, true, false], undefined, 'bool')),
    tf.mean(ints([1, 2, 4])),
    tf.all(
      tf.tensor(
        [
          [true, false],
          [true, true],
        ],
        undefined,
        'bool',
      ),
      1,
    ),
    tf.any(
      tf.tensor(
        [
          [true, false],
          [false, false],
        ],
        undefined,
        'bool',
      ),
      1,
    ),
    tf.argMax(rand([3, 5], 21), 1),
    tf.argMin(rand([3, 5], 22), 0),
    tf.max(ints([3, 9, 1])),
  ]);
  add('softmax and logSoftmax on the last axis', () => [
    tf.softmax(rand([3, 7], 23, 4)),
    tf.logSoftmax(rand([2, 3, 5], 24)),
  ]);
  // Shapes and indexing.
  add('reshape / expandDims / squeeze / transpose / clone', () => {
    const x = rand([2, 1, 3, 4], 25);
    return [
      tf.reshape(x, [6, -1]),
      tf.expandDims(x, -1),
      tf.squeeze(x),
      tf.squeeze(x, [1]),
      tf.transpose(x, [3, 0, 2, 1]),
      tf.clone(x),
    ];
  });
  add('slice (with -1 sizes) and stridedSlice (negative strides, masks)', () => {
    const x = rand([4, 5, 3], 26);
    return [
      tf.slice(x, [1, 0, 1], [2, -1, 2]),
      tf.slice(x, [3, 4, 2], [1, 1, 1]),
      tf.stridedSlice(x, [0, 1, 0], [4, 5, 3], [2, 2, 1]),
      tf.stridedSlice(x, [3, 0, 0], [0, 5, 3], [-1, 1, 1]),
      tf.stridedSlice(x, [1, 0, 0], [2, 5, 3], [1, 1, 1], 0, 0, 0, 0, 1),
    ];
  });
  add('concat (empty part too), stack, unstack, split', () => {
    const a = rand([2, 3], 27);
    const b = rand([2, 4], 28);
    return [
      tf.concat([a, b], 1),
      tf.concat([a, tf.zeros([2, 0])], 1),
      tf.concat([a, a], 0),
      tf.stack([a, a, a], 1),
      ...tf.unstack(a, 1),
      ...tf.split(b, [1, 3], 1),
      ...tf.split(b, 2, 0),
      tf.concat([ints([1, 2]), ints([3])]),
    ];
  });
  add('pad (asymmetric, constant), tile, reverse', () => {
    const x = rand([2, 3, 2], 29);
    return [
      tf.pad(
        x,
        [
          [1, 0],
          [0, 2],
          [1, 1],
        ],
        0.5,
      ),
      tf.tile(x, [2, 1, 3]),
      tf.reverse(x, [0, 2]),
      tf.tile(ints([1, 2]), [3]),
    ];
  });
  add('gather on axes 0/1/last, with batchDims, int32 values', () => {
    const x = rand([3, 4, 5], 30);
    return [
      tf.gather(x, ints([2, 0, 2])),
      tf.gather(x, ints([3, 1], [1, 2]), 1),
      tf.gather(x, ints([4, 0]), 2),
      tf.gather(x, ints([1, 0, 2, 3, 3, 0], [3, 2]), 1, 1),
      tf.gather(ints([5, 6, 7]), ints([2, 2, 0])),
    ];
  });
  add('unsortedSegmentSum, oneHot (negative index is all off), fill, zerosLike, onesLike, range', () => [
    tf.unsortedSegmentSum(rand([6, 3], 31), ints([0, 2, 0, 4, 2, 1]) as tf.Tensor1D, 5),
    tf.oneHot(ints([0, 3, -1, 2]), 4, 5, -1),
    tf.fill([2, 3], 7),
    tf.fill([2], 3, 'int32'),
    tf.zerosLike(rand([2, 2], 32)),
    tf.onesLike(ints([1, 2, 3])),
    tf.range(0, 10, 3),
    tf.range(5, 0, -2, 'int32'),
    tf.range(4, 1),
    tf.range(2, 2),
  ]);
  // Products, normalisation, fused layers.
  for (const [as, bs, ta, tb] of [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [1, 7, 3], false, false],
    [[2, 3, 5, 7], [2, 3, 2, 7], false, true],
  ] as [number[], number[], boolean, boolean][]) {
    add(`matMul [${as}]${ta ? 'ᵀ' : ''}·[${bs}]${tb ? 'ᵀ' : ''}`, () => tf.matMul(rand(as, 33), rand(bs, 34), ta, tb));
  }
  add('fused matMul with bias and relu / leakyrelu / prelu', () => [
    tf.fused.matMul({a: rand([4, 6], 35), b: rand([6, 3], 36), bias: rand([3], 37), activation: 'relu'}),
    tf.fused.matMul({
      a: rand([6, 4], 38),
      b: rand([6, 3], 39),
      transposeA: true,
      activation: 'leakyrelu',
      leakyreluAlpha: 0.1,
    }),
    tf.fused.matMul({
      a: rand([4, 6], 40),
      b: rand([6, 3], 41),
      activation: 'prelu',
      preluActivationWeights: rand([3], 42),
    }),
  ]);
  add('batchNorm with and without offset / scale', () => [
    tf.batchNorm(
      rand([2, 3, 3, 4], 43),
      rand([4], 44),
      tf.add(tf.abs(rand([4], 45)), 0.5),
      rand([4], 46),
      rand([4], 47),
      1e-3,
    ),
    tf.batchNorm(rand([5, 4], 48), rand([4], 49), tf.add(tf.abs(rand([4], 50)), 0.5)),
  ]);
  // Convolutions: forward and both gradients, odd sizes, asymmetric 'same', explicit pads, dilations.
  const convs: [
    number[],
    number,
    number,
    number,
    'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]],
    number,
  ][] = [];
  for (const k of [1, 3, 4])
    for (const s of [1, 2]) for (const p of ['same', 'valid'] as const) convs.push([[2, 9, 11, 3], k, 4, s, p, 1]);
  convs.push(
    [[2, 8, 8, 3], 3, 5, 1, 'same', 2],
    [
      [1, 7, 6, 2],
      3,
      3,
      1,
      [
        [0, 0],
        [2, 0],
        [1, 2],
        [0, 0],
      ],
      1,
    ],
    [[3, 16, 16, 8], 4, 5, 2, 'same', 1],
  );
  for (const [xs, k, co, s, p, d] of convs) {
    const label = `conv2d x [${xs}] k${k} s${s} ${typeof p === 'string' ? p : JSON.stringify(p)} d${d}`;
    add(
      `${label}: forward and both gradients`,
      () => {
        const x = rand(xs, xs[1]! + k, 1) as tf.Tensor4D;
        const w = rand([k, k, xs[3]!, co], k * 7 + s, 0.5) as tf.Tensor4D;
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, p, 'NHWC', d);
        const grads = d === 1 ? tf.grads((a: tf.Tensor, b: tf.Tensor) => weighted(f(a, b), 3))([x, w]) : [];
        return [f(x, w), ...grads];
      },
      1e-4,
    );
  }
  add(
    'fused conv2d with bias and relu / leakyrelu',
    () => [
      tf.fused.conv2d({
        x: rand([2, 6, 6, 3], 51) as tf.Tensor4D,
        filter: rand([3, 3, 3, 4], 52) as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: rand([4], 53),
        activation: 'relu',
      }),
      tf.fused.conv2d({
        x: rand([1, 7, 7, 2], 54) as tf.Tensor4D,
        filter: rand([2, 2, 2, 3], 55) as tf.Tensor4D,
        strides: 2,
        pad: 'same',
        activation: 'leakyrelu',
        leakyreluAlpha: 0.3,
      }),
    ],
    1e-4,
  );
  // Pooling and their gradients ('same' pooling counts only cells inside the image). tfjs-cpu's AvgPoolGrad divides
  // by the whole window even where its forward pass did not, so 'same' average-pool gradients are checked separately.
  for (const [xs, k, s, p] of [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 7, 9, 2], 3, 2, 'same'],
    [[1, 5, 5, 1], 3, 1, 'same'],
    // asymmetric 'same' pads (the explicit-padding path) and a 5×5 window whose symmetric pads ATen applies itself
    [[2, 8, 6, 3], 3, 2, 'same'],
    [[1, 4, 4, 2], 2, 1, 'same'],
    [[1, 6, 7, 4], 5, 1, 'same'],
  ] as [number[], number, number, 'same' | 'valid'][]) {
    add(
      `avgPool / maxPool [${xs}] k${k} s${s} ${p}: forward and gradient`,
      () => {
        const x = rand(xs, 56 + k) as tf.Tensor4D;
        const avg = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, k, s, p);
        const max = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, p);
        const avgGrad = p === 'valid' ? [tf.grad((a: tf.Tensor) => weighted(avg(a), 4))(x)] : [];
        return [avg(x), ...avgGrad, max(x), tf.grad((a: tf.Tensor) => weighted(max(a), 5))(x)];
      },
      1e-5,
    );
  }
  // Resizes under every coordinate rule; gradients for batch > 1 (where tfjs-cpu 4.22 was wrong, patched by scg).
  for (const [align, half] of [
    [false, false],
    [true, false],
    [false, true],
  ] as [boolean, boolean][]) {
    add(`resizeNearestNeighbor and its gradient, alignCorners ${align}, halfPixelCenters ${half}, up and down`, () => {
      const x = rand([2, 5, 7, 3], 60) as tf.Tensor4D;
      const f = (a: tf.Tensor, size: [number, number]) =>
        tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, align, half);
      return [
        f(x, [10, 9]),
        f(x, [3, 4]),
        tf.grad((a: tf.Tensor) => weighted(f(a, [10, 9]), 6))(x),
        tf.grad((a: tf.Tensor) => weighted(f(a, [3, 4]), 7))(x),
      ];
    });
    add(
      `resizeBilinear, alignCorners ${align}, halfPixelCenters ${half}, up and down`,
      () => {
        const x = rand([2, 5, 7, 3], 61) as tf.Tensor4D;
        return [tf.image.resizeBilinear(x, [10, 9], align, half), tf.image.resizeBilinear(x, [3, 4], align, half)];
      },
      1e-5,
    );
  }
  for (const align of [false, true]) {
    // tfjs-cpu's ResizeBilinearGrad follows the halfPixelCenters = false rule only, and square images only.
    add(
      `resizeBilinear gradient, alignCorners ${align}, square`,
      () => {
        const x = rand([2, 6, 6, 2], 62) as tf.Tensor4D;
        return tf.grad((a: tf.Tensor) => weighted(tf.image.resizeBilinear(a as tf.Tensor4D, [9, 9], align), 8))(x);
      },
      1e-5,
    );
  }
  return list;
}

function compare(name: string, got: ReturnType<typeof values>, ref: ReturnType<typeof values>, tol: number): void {
  assert.equal(got.length, ref.length, `${name}: output count`);
  got.forEach((g, i) => {
    const r = ref[i]!;
    assert.deepEqual(g.shape, r.shape, `${name} #${i}: shape`);
    assert.equal(g.dtype, r.dtype, `${name} #${i}: dtype`);
    let scale = 1e-6;
    for (const v of r.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    g.data.forEach((v, j) => {
      const w = r.data[j]!;
      if (Number.isNaN(w) || !Number.isFinite(w))
        return assert.ok(Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)), `${name} #${i}[${j}]: ${v} vs ${w}`);
      assert.ok(Math.abs(v - w) <= tol * scale, `${name} #${i}[${j}]: ${v} vs ${w} (tolerance ${tol} × ${scale})`);
    });
  });
}

describe('torch kernels', {skip: torchPresent() ? false : 'the torch addon is not built here'}, () => {
  before(() => useBackend('torch'));

  for (const c of cases()) {
    it(`${c.name} matches cpu`, async () => {
      const ref = await on('cpu', c.f);
      const got = await on('torch', c.f);
      compare(c.name, got, ref, c.tol ?? 1e-6);
    });
  }

  it('resizeBilinear gradient with halfPixelCenters matches finite differences of the forward', async () => {
    await useBackend('torch');
    const x = seededValues(1 * 4 * 5 * 1, 70);
    const r = seededValues(1 * 7 * 3 * 1, 71);
    const loss = (v: Float32Array | tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.image.resizeBilinear(
            (v instanceof tf.Tensor ? v : tf.tensor(v, [1, 4, 5, 1])) as tf.Tensor4D,
            [7, 3],
            false,
            true,
          ),
          tf.tensor(r, [1, 7, 3, 1]),
        ),
      );
    const g = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => loss(t))(tf.tensor(x, [1, 4, 5, 1]))
        .dataSync(),
    );
    for (let i = 0; i < x.length; i++) {
      const up = Float32Array.from(x);
      const down = Float32Array.from(x);
      up[i]! += 1e-2;
      down[i]! -= 1e-2;
      const fd = tf.tidy(() => (loss(up).dataSync()[0]! - loss(down).dataSync()[0]!) / 2e-2);
      assert.ok(Math.abs(fd - g[i]!) < 1e-3, `element ${i}: ${g[i]} vs finite difference ${fd}`);
    }
  });

  it("avgPool gradient with 'same' padding matches finite differences of the forward", async () => {
    await useBackend('torch');
    const x = seededValues(1 * 5 * 6 * 2, 73);
    const r = seededValues(1 * 3 * 3 * 2, 74);
    const loss = (v: Float32Array | tf.Tensor) =>
      tf.sum(
        tf.mul(
          tf.avgPool((v instanceof tf.Tensor ? v : tf.tensor(v, [1, 5, 6, 2])) as tf.Tensor4D, 3, 2, 'same'),
          tf.tensor(r, [1, 3, 3, 2]),
        ),
      );
    const g = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => loss(t))(tf.tensor(x, [1, 5, 6, 2]))
        .dataSync(),
    );
    for (let i = 0; i < x.length; i++) {
      const up = Float32Array.from(x);
      const down = Float32Array.from(x);
      up[i]! += 1e-2;
      down[i]! -= 1e-2;
      const fd = tf.tidy(() => (loss(up).dataSync()[0]! - loss(down).dataSync()[0]!) / 2e-2);
      assert.ok(Math.abs(fd - g[i]!) < 1e-3, `element ${i}: ${g[i]} vs finite difference ${fd}`);
    }
  });

  it('frees what it allocates: tf.memory() is back where it was after disposing, and numBytes counts torch tensors', async () => {
    await useBackend('torch');
    const before = tf.memory();
    const x = rand([64, 64], 72);
    assert.equal(tf.memory().numBytes - before.numBytes, 64 * 64 * 4);
    const y = tf.tidy(() => tf.matMul(tf.relu(x), x));
    y.dispose();
    x.dispose();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });

  it('an unimplemented kernel fails loudly with its name (no silent cpu fallback)', async () => {
    await useBackend('torch');
    assert.throws(() => tf.tidy(() => tf.cumsum(tf.tensor([1, 2, 3]))), /Cumsum/);
  });

  it('covers every kernel the registry-driven pretraining and GAN steps run (all backbones and contrastive modes)', async () => {
    await useBackend('torch');
    const engine = tf.engine() as unknown as {runKernel: (name: string, ...rest: unknown[]) => unknown};
    const original = engine.runKernel;
    const seen = new Set<string>();
    engine.runKernel = function (name: string, ...rest: unknown[]) {
      seen.add(name);
      return original.call(this, name, ...rest);
    };
    try {
      const {config: pc, dataset: pd} = await tinyExperiment([]);
      const pre = await buildPretrain(pc, pd);
      pre.step(0);
      pre.dispose();
      for (const backbone of backbones.names()) {
        for (const mode of contrastiveModes.names()) {
          const {config, dataset} = await tinyExperiment([
            tinyBackbone(backbone),
            `contrastive.mode=${mode}`,
            `dataset.name=${datasetFor(mode)}`,
          ]);
          const enc = await tinyEncoders(config, dataset);
          const trainer = buildGan(config, dataset, enc.encoders);
          trainer.step(0);
          trainer.dispose();
          enc.params.dispose();
        }
      }
    } finally {
      engine.runKernel = original;
    }
    assert.ok(seen.size > 40, `only ${seen.size} kernels recorded`);
    const missing = [...seen].filter((k) => !tf.getKernel(k, TORCH_BACKEND));
    assert.deepEqual(missing, [], `kernels without a torch implementation: ${missing.join(', ')}`);
  });
});
