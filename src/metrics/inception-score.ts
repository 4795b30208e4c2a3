// Inception Score over class probabilities, with the sequential splits of improved-GAN's code and torch-fidelity.
import type * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {readRows} from './matrix-input';

/**
 * IS = exp(E_x KL(p(y|x) ‖ p(y))), computed per split with p(y) the split's mean prediction. Split k holds rows
 * ⌊k·n/s⌋ … ⌊(k+1)·n/s⌋ − 1, so every row is in one split (split sizes differ by at most one when s does not
 * divide n). Returns the mean and the population standard deviation (ddof 0) over the splits.
 * @example inceptionScore(probs, {splits: 10})  // {mean, std}
 */
export function inceptionScore(
  probs: readonly ArrayLike<number>[] | tf.Tensor2D,
  options: {splits?: number} = {},
): {mean: number; std: number} {
  const FN = 'inceptionScore';
  const splits = options.splits ?? 10;
  if (!Number.isInteger(splits) || splits < 1)
    throw new InputError(FN, `splits must be a positive integer, but got ${String(splits)}`);
  const rows = readRows(FN, 'probs', probs);
  if (rows.length < splits) throw new InputError(FN, `probs has ${rows.length} rows, fewer than splits (${splits})`);
  rows.forEach((r, i) => {
    const sum = r.reduce((a, b) => a + b, 0);
    if (r.some((v) => v < 0) || Math.abs(sum - 1) > 1e-3)
      throw new InputError(FN, `probs row ${i} must be non-negative and sum to 1 (within 1e-3), but sums to ${sum}`);
  });
  const classes = rows[0]!.length;
  const scores: number[] = [];
  for (let k = 0; k < splits; k++) {
    const part = rows.slice(Math.floor((k * rows.length) / splits), Math.floor(((k + 1) * rows.length) / splits));
    const py = new Float64Array(classes);
    for (const r of part) for (let c = 0; c < classes; c++) py[c] = py[c]! + r[c]! / part.length;
    let kl = 0;
    for (const r of part)
      for (let c = 0; c < classes; c++) if (r[c]! > 0) kl += r[c]! * (Math.log(r[c]!) - Math.log(py[c]!));
    scores.push(Math.exp(kl / part.length));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / splits);
  return {mean, std};
}
