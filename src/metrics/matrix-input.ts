// Reads the `[n, d]` inputs of the metric functions (arrays of rows, or a Tensor2D) into float64 rows, with checks.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';

/** Float64 rows of a `[n, d]` input; rejects wrong rank, ragged rows, fewer than `minRows` rows and NaN/Inf. */
export function readRows(
  fn: string,
  name: string,
  input: readonly ArrayLike<number>[] | tf.Tensor2D,
  minRows = 2,
): Float64Array[] {
  let rows: readonly ArrayLike<number>[];
  if (input instanceof tf.Tensor) {
    if (input.rank !== 2) throw new InputError(fn, `${name} must be rank 2 [n, d], but got rank ${input.rank}`);
    rows = input.arraySync();
  } else if (Array.isArray(input)) rows = input;
  else throw new InputError(fn, `${name} must be number[][] or a Tensor2D, but got ${typeof input}`);
  if (rows.length < minRows) throw new InputError(fn, `${name} needs at least ${minRows} rows, but has ${rows.length}`);
  const isRow = (r: unknown): r is ArrayLike<number> => Array.isArray(r) || ArrayBuffer.isView(r);
  const d = isRow(rows[0]) ? rows[0].length : -1;
  return rows.map((r, i) => {
    if (!isRow(r) || r.length !== d)
      throw new InputError(fn, `${name} row ${i} has ${isRow(r) ? r.length : 'no'} entries but row 0 has ${d}`);
    const out = Float64Array.from(r);
    out.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new InputError(fn, `${name}[${i}][${j}] is ${v}; features must be finite`);
    });
    return out;
  });
}

/** `r` scaled to unit length (a zero row stays zero). */
export function unitRow(r: Float64Array): Float64Array {
  const n = Math.sqrt(r.reduce((a, v) => a + v * v, 0)) || 1;
  return r.map((v) => v / n);
}
