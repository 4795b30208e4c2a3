// rPrecisionFolds: DM-GAN's R-precision (99 mismatched captions of other classes, 10 folds), on hand-made codes.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {InputError} from '../errors';
import {rPrecisionFolds} from './r-precision-folds';

const e = (k: number, d = 4) => Array.from({length: d}, (_, j) => (j === k ? 1 : 0));

describe('rPrecisionFolds', () => {
  it('one image per fold: five hits of ten give mean 0.5 and std 0.5 (the folds are the hits themselves)', () => {
    // images 0..4 match their own caption (cosine 1) and every pool caption is orthogonal: hits;
    // images 5..9 have an own caption orthogonal to them and the pool holds their direction: misses
    const images = Array.from({length: 10}, () => e(0));
    const own = Array.from({length: 10}, (_, i) => (i < 5 ? e(0) : e(1)));
    const pool = {codes: [[e(2), e(3)], [e(0)], [e(2)]], groups: [7, 8, 9]};
    // group 8 (which holds e(0)) is the own group of images 0..4, so their draws never reach it
    const groups = Array.from({length: 10}, (_, i) => (i < 5 ? 8 : 9));
    const r = rPrecisionFolds(images, own, groups, pool, {mismatched: 5, folds: 10, seed: 3});
    assert.equal(r.mean, 0.5);
    assert.equal(r.std, 0.5);
  });

  it("never draws a caption of the image's own group: captions equal to the own one there cost nothing", () => {
    const images = Array.from({length: 20}, (_, i) => e(i % 2));
    const groups = Array.from({length: 20}, (_, i) => i % 2);
    // group 0's pool captions tie with group-0 images' own caption (a tie is a miss), likewise group 1
    const pool = {codes: [[e(0), e(0)], [e(1)], [e(2)]], groups: [0, 1, 2]};
    const r = rPrecisionFolds(images, images, groups, pool, {seed: 1});
    assert.deepEqual(r, {mean: 1, std: 0});
  });

  it('folds cover every image when 10 does not divide n, and the seed fixes the result', () => {
    const n = 23;
    const images = Array.from({length: n}, (_, i) => e(i % 3));
    const own = Array.from({length: n}, (_, i) => (i < 7 ? e(i % 3) : e(3)));
    const pool = {codes: [[e(3)], [e(0), e(1), e(2)]], groups: [0, 1]};
    const groups = Array.from({length: n}, (_, i) => (i < 7 ? 1 : 0));
    const a = rPrecisionFolds(images, own, groups, pool, {mismatched: 3, seed: 5});
    // images 0..6 always hit (their pool, group 0, is orthogonal); 7..22 tie with their own pool's draws
    // or lose to it, so 7 hits of 23 split over folds of 2 or 3 (sizes ⌊(k+1)·23/10⌋ − ⌊k·23/10⌋)
    const sizes = Array.from({length: 10}, (_, k) => Math.floor(((k + 1) * n) / 10) - Math.floor((k * n) / 10));
    assert.equal(
      sizes.reduce((x, y) => x + y, 0),
      n,
    );
    assert.ok(a.mean > 0 && a.mean < 1 && a.std > 0, JSON.stringify(a));
    assert.deepEqual(rPrecisionFolds(images, own, groups, pool, {mismatched: 3, seed: 5}), a);
  });

  it('rejects a pool with no mismatched caption and ragged inputs', () => {
    const rows = Array.from({length: 10}, () => e(0));
    const groups = rows.map(() => 4);
    assert.throws(
      () => rPrecisionFolds(rows, rows, groups, {codes: [[e(1)]], groups: [4]}),
      (err: unknown) => err instanceof InputError && /every pool image is in group 4/.test(err.message),
    );
    assert.throws(
      () => rPrecisionFolds(rows, rows, groups.slice(1), {codes: [[e(1)]], groups: [5]}),
      (err: unknown) => err instanceof InputError && /need one row each, but have 10, 10, 9/.test(err.message),
    );
    assert.throws(
      () => rPrecisionFolds(rows, rows, groups, {codes: [[e(1, 3)]], groups: [5]}),
      (err: unknown) => err instanceof InputError && /pool code \[0\]\[0\] has 3 features, not 4/.test(err.message),
    );
  });
});
