// Orthogonal initialisation as torch.nn.init.orthogonal_ draws it: a normal matrix's Q factor, sign-fixed by R.
import {loadAddon} from '../core/backends/torch/addon';
import type {TorchAddon} from '../core/backends/torch/addon';
import type {Rng} from '../core/rng';

/**
 * From this many columns of the tall factor on, the QR runs in libtorch's LAPACK when the torch addon is built
 * (seconds where JavaScript takes minutes for a 256-px discriminator); both give the same Q up to rounding.
 */
const NATIVE_FROM = 64;

/**
 * A `rows × cols` matrix (row-major, float64) with orthonormal rows (rows ≤ cols) or columns (rows > cols): the Q of
 * a Householder QR of a standard normal matrix (transposed when rows < cols), each column times the sign of R's
 * diagonal, as PyTorch's `orthogonal_` with gain 1 makes it. `native: false` keeps the QR in JavaScript.
 */
export function orthogonalMatrix(rows: number, cols: number, rng: Rng, native = true): Float64Array {
  const normals = rng.normals(rows * cols);
  const tall = rows >= cols;
  const [m, n] = tall ? [rows, cols] : [cols, rows];
  const torch = native && n >= NATIVE_FROM ? loadAddon() : undefined;
  if (torch?.ok) return nativeOrthogonal(normals, rows, cols, torch.addon);
  // a: m × n, column-major so Householder updates walk contiguous columns
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const [i, j] = tall ? [r, c] : [c, r];
      a[j * m + i] = normals[r * cols + c]!;
    }
  // Householder reflectors H_k = I − 2·v vᵀ / (vᵀv), v zero above row k; R's diagonal is each step's alpha
  const reflectors: {v: Float64Array; vv: number}[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const col = a.subarray(k * m, (k + 1) * m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += col[i]! * col[i]!;
    const alpha = col[k]! > 0 ? -Math.sqrt(norm) : Math.sqrt(norm);
    signs[k] = alpha < 0 ? -1 : 1;
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = col[i]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! * v[i]!;
    reflectors.push({v, vv});
    for (let j = k; j < n; j++) reflect(v, vv, k, a.subarray(j * m, (j + 1) * m));
  }
  // Q = H_0 H_1 … H_{n-1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const {v, vv} = reflectors[k]!;
    for (let j = 0; j < n; j++) reflect(v, vv, k, q.subarray(j * m, (j + 1) * m));
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const [i, j] = tall ? [r, c] : [c, r];
      out[r * cols + c] = q[j * m + i]! * signs[j]!;
    }
  return out;
}

/** `x ← x − 2·v (vᵀx) / (vᵀv)` over rows k… (v is zero above k); nothing when v is zero. */
function reflect(v: Float64Array, vv: number, k: number, x: Float64Array): void {
  if (vv === 0) return;
  let dot = 0;
  for (let i = k; i < v.length; i++) dot += v[i]! * x[i]!;
  const f = (2 * dot) / vv;
  for (let i = k; i < v.length; i++) x[i] = x[i]! - f * v[i]!;
}

/** The same matrix through libtorch: the normal draws as a tall row-major matrix, its sign-fixed Q, laid back out. */
function nativeOrthogonal(normals: Float32Array, rows: number, cols: number, addon: TorchAddon): Float64Array {
  const tall = rows >= cols;
  const [m, n] = tall ? [rows, cols] : [cols, rows];
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) a[tall ? r * n + c : c * n + r] = normals[r * cols + c]!;
  const q = addon.OrthogonalQ(a, m, n);
  if (tall) return q;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = q[c * n + r]!;
  return out;
}
