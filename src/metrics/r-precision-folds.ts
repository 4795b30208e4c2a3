// R-precision as DM-GAN's evaluation computes it: each image's caption against 99 mismatched test captions, in 10 folds.
import type * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {Rng} from '../core/rng';
import {readRows, unitRow} from './matrix-input';

export interface CaptionPool {
  /** Sentence codes of the pool's captions, grouped by the image they describe: `codes[image][caption]`. */
  codes: readonly (readonly ArrayLike<number>[])[];
  /** The group of each pool image (its class on single-label data; the image itself on label sets). */
  groups: readonly number[];
}

/**
 * For each generated image i, its own caption code is ranked by cosine similarity against `mismatched` captions
 * drawn from the pool as DM-GAN draws them: a random pool image whose group differs from `groups[i]` (drawn with
 * replacement), then a random caption of it. A hit is an own caption strictly above all of them. The hits are
 * shuffled with a seeded stream and cut into `folds` sequential folds (fold k: ⌊k·n/f⌋ … ⌊(k+1)·n/f⌋ − 1); the
 * result is the mean and population std (ddof 0) of the folds' hit rates, DM-GAN's "R-precision mean ± std".
 * Shapes: `imageCodes` and `textCodes` are `[n, d]`; `groups` has n entries.
 * @example rPrecisionFolds(fakeCodes, ownCaptionCodes, classOfEach, {codes, groups: testClasses})  // {mean, std}
 */
export function rPrecisionFolds(
  imageCodes: readonly ArrayLike<number>[] | tf.Tensor2D,
  textCodes: readonly ArrayLike<number>[] | tf.Tensor2D,
  groups: readonly number[],
  pool: CaptionPool,
  options: {mismatched?: number; folds?: number; seed?: number} = {},
): {mean: number; std: number} {
  const FN = 'rPrecisionFolds';
  const mismatched = options.mismatched ?? 99;
  const folds = options.folds ?? 10;
  if (!Number.isInteger(mismatched) || mismatched < 1)
    throw new InputError(FN, `mismatched must be a positive integer, but got ${String(mismatched)}`);
  if (!Number.isInteger(folds) || folds < 1)
    throw new InputError(FN, `folds must be a positive integer, but got ${String(folds)}`);
  const img = readRows(FN, 'imageCodes', imageCodes, folds);
  const txt = readRows(FN, 'textCodes', textCodes, folds);
  const n = img.length;
  if (txt.length !== n || groups.length !== n)
    throw new InputError(
      FN,
      `imageCodes, textCodes and groups need one row each, but have ${n}, ${txt.length}, ${groups.length}`,
    );
  const d = img[0]!.length;
  if (txt[0]!.length !== d)
    throw new InputError(FN, `imageCodes has ${d} features per row but textCodes has ${txt[0]!.length}`);
  if (pool.codes.length !== pool.groups.length || pool.codes.length === 0)
    throw new InputError(FN, `pool has ${pool.codes.length} images but ${pool.groups.length} groups`);
  const poolUnit = pool.codes.map((caps, k) => {
    if (caps.length === 0) throw new InputError(FN, `pool image ${k} has no captions`);
    return caps.map((c, j) => {
      if (c.length !== d) throw new InputError(FN, `pool code [${k}][${j}] has ${c.length} features, not ${d}`);
      return unitRow(Float64Array.from(c));
    });
  });
  const byGroup = new Map<number, number>();
  for (const g of pool.groups) byGroup.set(g, (byGroup.get(g) ?? 0) + 1);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[k]! * b[k]!;
    return s;
  };
  const rng = Rng.for(options.seed ?? 0, 'r-precision-folds');
  const hits: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((byGroup.get(groups[i]!) ?? 0) === pool.groups.length)
      throw new InputError(FN, `every pool image is in group ${groups[i]}, so image ${i} has no mismatched caption`);
    const I = unitRow(img[i]!);
    const own = dot(I, unitRow(txt[i]!));
    let hit = 1;
    for (let m = 0; m < mismatched; m++) {
      let k = rng.int(pool.codes.length);
      while (pool.groups[k] === groups[i]) k = rng.int(pool.codes.length);
      const caps = poolUnit[k]!;
      if (dot(I, caps[rng.int(caps.length)]!) >= own) hit = 0; // keep drawing: the stream stays the same length
    }
    hits.push(hit);
  }
  const shuffled = rng.shuffle(hits);
  const rates: number[] = [];
  for (let f = 0; f < folds; f++) {
    const part = shuffled.slice(Math.floor((f * n) / folds), Math.floor(((f + 1) * n) / folds));
    rates.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  const mean = rates.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / folds);
  return {mean, std};
}
