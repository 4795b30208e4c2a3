// The tensor operations that keep a data-parallel step exact: row all-gather and batch-norm moments over every
// shard (both with gradients), and the averaging of gradients, all acting through the step's active collective.
//
// Each rank differentiates the sum of every rank's loss through its own rows; averaging those gradients over the
// ranks then gives the gradient of the one-thread loss. So a collective's backward first sums the upstream
// gradient over the ranks, then applies the local Jacobian.
import * as tf from '@tensorflow/tfjs';
import type {Collective} from './collective';

type CustomGradFunc = Parameters<typeof tf.customGrad>[0];

let active: Collective | undefined;

/** The collective of the data-parallel step being computed on this thread, if any. */
export function activeCollective(): Collective | undefined {
  return active;
}

/** Runs `fn` with `c` as the active collective (batch norm and row gathers in `fn` then act across ranks). */
export function withCollective<T>(c: Collective | undefined, fn: () => T): T {
  const before = active;
  active = c;
  try {
    return fn();
  } finally {
    active = before;
  }
}

/**
 * All ranks' rows of `x` (`[n_r, …]` on rank r) as one tensor. With `groups` = g, each rank's rows are g equal
 * blocks (the two caption branches) and the result is block 1 of every rank, then block 2 of every rank, …: the
 * row order one thread would have. Without an active collective it returns `x`.
 */
export function gatherRows<T extends tf.Tensor>(x: T, groups = 1): T {
  return gatherRowsAt(x, groups).all;
}

/** `gatherRows`, and where this rank's rows start within a group of the result (0 without a collective). */
export function gatherRowsAt<T extends tf.Tensor>(x: T, groups = 1): {all: T; offset: number} {
  const c = active;
  if (!c || c.size === 1) return {all: x, offset: 0};
  let offset = 0;
  const rowSize = x.size / x.shape[0]!;
  const rows = x.shape[0]!;
  if (rows % groups !== 0) throw new Error(`gatherRows: ${rows} rows do not split into ${groups} groups`);
  const op = tf.customGrad(((input: tf.Tensor) => {
    const parts = c.allGather(input.dataSync() as Float32Array);
    const rowsOf = parts.map((p) => p.length / rowSize);
    const total = rowsOf.reduce((a, b) => a + b, 0);
    const out = new Float32Array(total * rowSize);
    let at = 0;
    for (let g = 0; g < groups; g++) {
      for (const p of parts) {
        const block = p.length / groups;
        out.set(p.subarray(g * block, (g + 1) * block), at);
        at += block;
      }
    }
    const value = tf.tensor(out, [total, ...x.shape.slice(1)]);
    offset = rowsOf.slice(0, c.rank).reduce((a, b) => a + b, 0) / groups;
    const gradFunc = (dy: tf.Tensor) => {
      const sum = c.allReduceSum(dy.dataSync() as Float32Array);
      const mine = new Float32Array(rows * rowSize);
      const block = mine.length / groups;
      const before = offset * rowSize;
      for (let g = 0; g < groups; g++) {
        const start = (g * total * rowSize) / groups + before;
        mine.set(sum.subarray(start, start + block), g * block);
      }
      return tf.tensor(mine, x.shape);
    };
    return {value, gradFunc};
  }) as unknown as CustomGradFunc);
  const all = op(x) as T; // runs the forward, which sets `offset`
  return {all, offset};
}

/**
 * Mean and (biased) variance over every axis but the last, taken over all ranks' rows (which may differ in
 * number), and how many values per channel that was: what tf.moments gives on the whole batch. Each rank takes
 * its own moments (tf.moments: two-pass, so the variance keeps its precision when the mean is large), and one
 * all-gather combines them (Chan et al.'s pairwise update, in float64).
 */
export function syncedMoments(x: tf.Tensor, c: Collective): {mean: tf.Tensor1D; variance: tf.Tensor1D; count: number} {
  const channels = x.shape[x.shape.length - 1]!;
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const localCount = x.size / channels;
  let count = 0;
  const op = tf.customGrad(((input: tf.Tensor, save: (tensors: tf.Tensor[]) => void) => {
    const local = tf.moments(input, axes);
    const payload = new Float32Array(1 + 2 * channels);
    payload[0] = localCount;
    payload.set(local.mean.dataSync() as Float32Array, 1);
    payload.set(local.variance.dataSync() as Float32Array, 1 + channels);
    const parts = c.allGather(payload);
    const n = parts.reduce((a, p) => a + p[0]!, 0);
    count = n;
    const mean = new Float64Array(channels);
    const m2 = new Float64Array(channels);
    for (const p of parts) for (let k = 0; k < channels; k++) mean[k]! += (p[0]! * p[1 + k]!) / n;
    for (const p of parts) {
      for (let k = 0; k < channels; k++) {
        const d = p[1 + k]! - mean[k]!;
        m2[k]! += p[0]! * (p[1 + channels + k]! + d * d);
      }
    }
    const meanT = tf.tensor1d(Float32Array.from(mean));
    save([input, meanT]); // kept by the engine only while a gradient tape records
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const d = c.allReduceSum(dy.dataSync() as Float32Array);
      const dMean = tf.tensor1d(d.subarray(0, channels));
      const dVar = tf.tensor1d(d.subarray(channels));
      return tf.add(tf.div(dMean, n), tf.mul(tf.sub(saved[0]!, saved[1]!), tf.mul(dVar, 2 / n)));
    };
    return {value: tf.stack([meanT, tf.tensor1d(Float32Array.from(m2, (v) => v / n))]), gradFunc};
  }) as unknown as CustomGradFunc);
  const both = op(x);
  const [mean, variance] = tf.unstack(both) as [tf.Tensor1D, tf.Tensor1D];
  return {mean, variance, count};
}

/** Every rank's gradients averaged (same names on every rank, reduced in name order); disposes the inputs. */
export function averageGradients(
  grads: Record<string, tf.Tensor>,
  c: Collective | undefined,
): Record<string, tf.Tensor> {
  if (!c || c.size === 1) return grads;
  const names = Object.keys(grads).sort();
  const sizes = names.map((k) => grads[k]!.size);
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  names.forEach((k) => {
    flat.set(grads[k]!.dataSync() as Float32Array, at);
    at += grads[k]!.size;
  });
  const mean = c.allReduceSum(flat, 1 / c.size);
  const out: Record<string, tf.Tensor> = {};
  at = 0;
  names.forEach((k, i) => {
    out[k] = tf.tensor(mean.subarray(at, at + sizes[i]!), grads[k]!.shape);
    at += sizes[i]!;
  });
  tf.dispose(Object.values(grads));
  return out;
}

/** Every rank's values averaged (the loss terms a rank logs); in the key order of `values`. */
export function averageNumbers(values: Record<string, number>, c: Collective | undefined): Record<string, number> {
  if (!c || c.size === 1) return values;
  const keys = Object.keys(values).sort();
  const sum = c.allReduceSum(Float32Array.from(keys.map((k) => values[k]!)));
  return Object.fromEntries(Object.keys(values).map((k) => [k, sum[keys.indexOf(k)]! / c.size]));
}

/** Rank 0's `data` on every rank (the others pass nothing); for copying weights out to worker threads. */
export function broadcastFromRoot(data: Float32Array | undefined, c: Collective): Float32Array {
  return c.allGather(c.rank === 0 ? data! : new Float32Array(0))[0]!;
}

/** Every rank's variables take rank 0's values (after rank 0 restored a checkpoint), in name order. */
export function broadcastState(tensors: ReadonlyMap<string, tf.Tensor>, c: Collective | undefined): void {
  if (!c || c.size === 1) return;
  for (const name of [...tensors.keys()].sort()) {
    const v = tensors.get(name)! as tf.Variable;
    const data = broadcastFromRoot(c.rank === 0 ? (v.dataSync() as Float32Array) : undefined, c);
    if (c.rank !== 0) tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
}
