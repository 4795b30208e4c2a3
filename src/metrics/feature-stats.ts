// Mean and covariance of feature rows gathered batch by batch (float64 sums of float32 Gram matrices around a
// shift), and their npz form, the layout of pytorch-fid's --save-stats (`mu` [d], `sigma` [d, d], float64).
import * as tf from '@tensorflow/tfjs';
import {Matrix} from 'ml-matrix';
import {readNpz, writeNpz} from '../core/npz';
import {ScgError} from '../errors';

export interface GaussianStats {
  mu: Float64Array;
  sigma: Matrix;
}

/**
 * Streams rows in: only d + d² float64 sums are kept, never the rows. Rows are shifted by the first batch's mean
 * before their products are summed, so the covariance does not lose digits to a large mean.
 */
export class GaussianAccumulator {
  private shift: Float64Array | undefined;
  private shiftTensor: tf.Tensor1D | undefined;
  private sum: Float64Array | undefined;
  private gram: Float64Array | undefined;
  count = 0;

  /** Adds a batch `[n, d]` (not disposed here). */
  add(rows: tf.Tensor2D): void {
    const [n, d] = rows.shape;
    if (n === 0) return;
    if (!this.shift) {
      this.shiftTensor = tf.tidy(() => tf.mean(rows, 0) as tf.Tensor1D);
      this.shift = Float64Array.from(this.shiftTensor.dataSync());
      this.sum = new Float64Array(d);
      this.gram = new Float64Array(d * d);
    }
    if (d !== this.shift.length)
      throw new Error(`GaussianAccumulator: rows have ${d} features, earlier ${this.shift.length}`);
    // tidy returns tensors, never their data: tidy walks a returned TypedArray element by element looking for
    // tensors (seconds for the 4M values of a 2048² Gram matrix)
    const [sumT, gramT] = tf.tidy(() => {
      const c = tf.sub(rows, this.shiftTensor!);
      return [tf.sum(c, 0), tf.matMul(c, c, true, false)];
    });
    const centred = sumT.dataSync();
    const g = gramT.dataSync();
    tf.dispose([sumT, gramT]);
    const sum = this.sum!;
    for (let j = 0; j < d; j++) sum[j] = sum[j]! + centred[j]!;
    const gram = this.gram!;
    for (let k = 0; k < d * d; k++) gram[k] = gram[k]! + g[k]!;
    this.count += n;
  }

  /** Mean and unbiased (n − 1) covariance; needs 2 rows or more. */
  stats(): GaussianStats {
    const n = this.count;
    if (n < 2 || !this.shift) throw new Error(`GaussianAccumulator: ${n} rows, at least 2 are needed`);
    const d = this.shift.length;
    const m = this.sum!.map((s) => s / n);
    const rows: number[][] = [];
    for (let i = 0; i < d; i++) {
      const r = new Array<number>(d);
      for (let j = 0; j < d; j++) r[j] = (this.gram![i * d + j]! - n * m[i]! * m[j]!) / (n - 1);
      rows.push(r);
    }
    return {mu: this.shift.map((s, j) => s + m[j]!), sigma: new Matrix(rows)};
  }

  dispose(): void {
    this.shiftTensor?.dispose();
  }
}

/** `mu` and `sigma` of an npz; a missing array or mismatched shapes is BAD_INPUT naming the file. */
export function readStatsNpz(file: string): GaussianStats {
  const arrays = readNpz(file);
  const mu = arrays.get('mu');
  const sigma = arrays.get('sigma');
  const hint = 'FID statistics hold mu [d] and sigma [d, d] (pytorch-fid --save-stats, scg fid --save-stats)';
  if (!mu || !sigma)
    throw new ScgError(
      'BAD_INPUT',
      `${file} has no ${mu ? 'sigma' : 'mu'} array (it holds: ${[...arrays.keys()].join(', ') || 'nothing'})`,
      {hint},
    );
  const d = mu.shape[0]!;
  if (mu.shape.length !== 1 || sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d)
    throw new ScgError(
      'BAD_INPUT',
      `${file}: mu is [${mu.shape}] and sigma [${sigma.shape}]; expected [d] and [d, d]`,
      {
        hint,
      },
    );
  const rows = Array.from({length: d}, (_, i) => Array.from(sigma.data.subarray(i * d, (i + 1) * d)));
  return {mu: mu.data, sigma: new Matrix(rows)};
}

export function writeStatsNpz(file: string, s: GaussianStats): void {
  const d = s.mu.length;
  writeNpz(file, {
    mu: {shape: [d], data: Float64Array.from(s.mu)},
    sigma: {shape: [d, d], data: Float64Array.from(s.sigma.to1DArray())},
  });
}
