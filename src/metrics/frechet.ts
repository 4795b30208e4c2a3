// Fréchet distance between two Gaussians fitted to feature sets (FID when the features are Inception pools).
import type * as tf from '@tensorflow/tfjs';
import {EigenvalueDecomposition, Matrix} from 'ml-matrix';
import {InputError} from '../errors';
import {loadAddon} from '../core/backends/torch/addon';
import {readRows} from './matrix-input';

export interface FrechetResult {
  distance: number;
  /**
   * 0, or the ε that was added to both covariances' diagonals because their product was too close to singular
   * for a stable square root (the standard implementation does the same with ε = 1e-6).
   */
  offset: number;
}

/** Mean and unbiased (n − 1) covariance of rows, in float64. */
export function gaussianStats(rows: Float64Array[]): {mu: Float64Array; sigma: Matrix} {
  const n = rows.length;
  const d = rows[0]!.length;
  const mu = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mu[j] = mu[j]! + r[j]! / n;
  const centered = new Matrix(rows.map((r) => Array.from(r, (v, j) => v - mu[j]!)));
  const sigma = centered
    .transpose()
    .mmul(centered)
    .div(n - 1);
  return {mu, sigma};
}

/** Symmetric PSD square root through the eigen decomposition (negative round-off eigenvalues clamp to 0). */
function sqrtPsd(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m.clone().add(m.transpose()).div(2), {assumeSymmetric: true});
  const v = e.eigenvectorMatrix;
  const s = Matrix.diag(e.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0))));
  return v.mmul(s).mmul(v.transpose());
}

/** [Tr(√eig), smallest eigenvalue, largest |eigenvalue|] of Σ1^½ Σ2 Σ1^½, in float64. */
function innerEigen(s1: Matrix, s2: Matrix): [number, number, number] {
  const torch = loadAddon();
  // libtorch's LAPACK takes ~2 s for 2048-d Inception statistics where ml-matrix takes minutes.
  if (torch.ok && s1.rows > 64) {
    const flat = (m: Matrix) => Float64Array.from(m.to1DArray());
    const [t, lo, hi] = torch.addon.TraceSqrtProduct(flat(s1), flat(s2), s1.rows);
    return [t!, lo!, hi!];
  }
  const r = sqrtPsd(s1);
  const inner = r.mmul(s2).mmul(r);
  const eig = new EigenvalueDecomposition(inner.add(inner.transpose()).div(2), {assumeSymmetric: true}).realEigenvalues;
  const finite = eig.every(Number.isFinite);
  return [
    eig.reduce((t, x) => t + Math.sqrt(Math.max(x, 0)), 0),
    finite ? Math.min(...eig) : Number.NaN,
    finite ? Math.max(...eig.map(Math.abs)) : Number.NaN,
  ];
}

/**
 * Tr((Σ1Σ2)^½) as Tr((Σ1^½ Σ2 Σ1^½)^½): the inner matrix is symmetric PSD, so its eigenvalues are real and
 * ≥ 0 up to round-off. Returns NaN when they are not (a near-singular product).
 */
function traceSqrtProduct(s1: Matrix, s2: Matrix): number {
  const [trace, lowest, largest] = innerEigen(s1, s2);
  if (!Number.isFinite(lowest) || lowest < -1e-8 * Math.max(1e-300, largest)) return Number.NaN;
  return trace;
}

/**
 * ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½) in float64, from precomputed statistics.
 * @example frechetDistanceFromStats([0, 0], [[1, 0], [0, 1]], [1, 0], [[1, 0], [0, 1]]).distance  // 1
 */
export function frechetDistanceFromStats(
  mu1: ArrayLike<number>,
  sigma1: number[][] | Matrix,
  mu2: ArrayLike<number>,
  sigma2: number[][] | Matrix,
): FrechetResult {
  const FN = 'frechetDistanceFromStats';
  const s1 = sigma1 instanceof Matrix ? sigma1 : new Matrix(sigma1);
  const s2 = sigma2 instanceof Matrix ? sigma2 : new Matrix(sigma2);
  const d = mu1.length;
  if (mu2.length !== d || s1.rows !== d || s1.columns !== d || s2.rows !== d || s2.columns !== d) {
    throw new InputError(
      FN,
      `dimensions disagree: mu1 ${d}, mu2 ${mu2.length}, sigma1 ${s1.rows}x${s1.columns}, sigma2 ${s2.rows}x${s2.columns}`,
    );
  }
  for (const [name, v] of [
    ['mu1', Array.from(mu1)],
    ['mu2', Array.from(mu2)],
    ['sigma1', s1.to1DArray()],
    ['sigma2', s2.to1DArray()],
  ] as const) {
    if (v.some((x) => !Number.isFinite(x))) throw new InputError(FN, `${name} contains NaN or Inf`);
  }
  let diff = 0;
  for (let j = 0; j < d; j++) diff += (mu1[j]! - mu2[j]!) ** 2;
  let offset = 0;
  let tr = traceSqrtProduct(s1, s2);
  if (Number.isNaN(tr)) {
    offset = 1e-6;
    const eye = Matrix.eye(d).mul(offset);
    tr = traceSqrtProduct(s1.clone().add(eye), s2.clone().add(eye));
  }
  return {distance: diff + s1.trace() + s2.trace() - 2 * tr, offset};
}

/**
 * Fréchet distance between two feature sets `[n, d]` (n ≥ 2 each, same d): fits mean and unbiased covariance
 * to each in float64, then `frechetDistanceFromStats`.
 * @example frechetDistance(realFeatures, fakeFeatures).distance
 */
export function frechetDistance(a: number[][] | tf.Tensor2D, b: number[][] | tf.Tensor2D): FrechetResult {
  const FN = 'frechetDistance';
  const ra = readRows(FN, 'a', a);
  const rb = readRows(FN, 'b', b);
  if (ra[0]!.length !== rb[0]!.length)
    throw new InputError(FN, `a has ${ra[0]!.length} features per row but b has ${rb[0]!.length}`);
  const sa = gaussianStats(ra);
  const sb = gaussianStats(rb);
  return frechetDistanceFromStats(sa.mu, sa.sigma, sb.mu, sb.sigma);
}
