// R-precision (AttnGAN / DM-GAN evaluation): does an image's own caption beat mismatched ones by cosine similarity?
import type * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {Rng} from '../core/rng';
import {readRows, unitRow} from './matrix-input';

/**
 * For each image i, its true caption i is ranked against `candidates − 1` captions of other images, drawn
 * without replacement from a seeded stream (all others when there are fewer). R-precision with R = 1 is the
 * fraction of images whose true caption has the strictly highest cosine similarity.
 * Shapes: `imageCodes` and `textCodes` are `[n, d]`, row i of each belonging together.
 * @example rPrecision(imageCodes, sentenceCodes, {candidates: 100})  // 0.63
 */
export function rPrecision(
  imageCodes: number[][] | tf.Tensor2D,
  textCodes: number[][] | tf.Tensor2D,
  options: {candidates?: number; seed?: number} = {},
): number {
  const FN = 'rPrecision';
  const candidates = options.candidates ?? 100;
  if (!Number.isInteger(candidates) || candidates < 2)
    throw new InputError(FN, `candidates must be an integer ≥ 2, but got ${String(candidates)}`);
  const img = readRows(FN, 'imageCodes', imageCodes);
  const txt = readRows(FN, 'textCodes', textCodes);
  if (img.length !== txt.length)
    throw new InputError(FN, `imageCodes has ${img.length} rows but textCodes has ${txt.length}`);
  if (img[0]!.length !== txt[0]!.length)
    throw new InputError(FN, `imageCodes has ${img[0]!.length} features per row but textCodes has ${txt[0]!.length}`);
  const I = img.map(unitRow);
  const T = txt.map(unitRow);
  const cos = (a: Float64Array, b: Float64Array) => a.reduce((s, v, k) => s + v * b[k]!, 0);
  const rng = Rng.for(options.seed ?? 0, 'r-precision');
  const n = img.length;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const others = rng.shuffle(Array.from({length: n - 1}, (_, k) => (k < i ? k : k + 1))).slice(0, candidates - 1);
    const own = cos(I[i]!, T[i]!);
    if (others.every((j) => cos(I[i]!, T[j]!) < own)) hits++;
  }
  return hits / n;
}
