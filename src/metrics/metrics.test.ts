import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {inverse, Matrix} from 'ml-matrix';
import {InputError} from '../errors';
import {relDiff, seededValues} from '../../test/support';
import {frechetDistance, frechetDistanceFromStats, gaussianStats} from './frechet';
import {inceptionScore} from './inception-score';
import {rPrecision} from './r-precision';
import {nearestCentroidAccuracy} from './centroid-probe';

const rowsOf = (values: Float32Array, n: number, d: number) =>
  Array.from({length: n}, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));

/** Reference Tr(sqrtm(A)) by the Denman–Beavers iteration (independent of the eigen route). */
function traceSqrtm(a: Matrix): number {
  let y = a.clone();
  let z = Matrix.eye(a.rows);
  for (let k = 0; k < 60; k++) {
    const yi = inverse(y);
    const zi = inverse(z);
    y = y.clone().add(zi).div(2);
    z = z.clone().add(yi).div(2);
  }
  return y.trace();
}

describe('frechetDistance', () => {
  it('matches ‖Δμ‖² + Tr(Σ1 + Σ2 − 2 sqrtm(Σ1Σ2)) computed by Denman–Beavers on random sets', () => {
    for (const seed of [1, 2, 3]) {
      const a = rowsOf(seededValues(40 * 5, seed), 40, 5);
      const b = rowsOf(seededValues(30 * 5, seed + 10), 30, 5).map((r) => r.map((v, j) => 0.7 * v + 0.1 * j));
      const sa = gaussianStats(a.map((r) => Float64Array.from(r)));
      const sb = gaussianStats(b.map((r) => Float64Array.from(r)));
      let diff = 0;
      sa.mu.forEach((m, j) => (diff += (m - sb.mu[j]!) ** 2));
      const want = diff + sa.sigma.trace() + sb.sigma.trace() - 2 * traceSqrtm(sa.sigma.mmul(sb.sigma));
      const got = frechetDistance(a, b);
      assert.equal(got.offset, 0);
      assert.ok(relDiff(got.distance, want) <= 1e-4, `${got.distance} vs ${want}`);
    }
  });

  it("100-d statistics (libtorch's float64 path when the addon is built) match the Denman–Beavers reference", () => {
    const a = rowsOf(seededValues(300 * 100, 4), 300, 100);
    const b = rowsOf(seededValues(250 * 100, 5), 250, 100).map((r) => r.map((v, j) => 0.8 * v + 0.01 * j));
    const sa = gaussianStats(a.map((r) => Float64Array.from(r)));
    const sb = gaussianStats(b.map((r) => Float64Array.from(r)));
    let diff = 0;
    sa.mu.forEach((m, j) => (diff += (m - sb.mu[j]!) ** 2));
    const want = diff + sa.sigma.trace() + sb.sigma.trace() - 2 * traceSqrtm(sa.sigma.mmul(sb.sigma));
    const got = frechetDistanceFromStats(sa.mu, sa.sigma, sb.mu, sb.sigma);
    assert.ok(relDiff(got.distance, want) <= 1e-6, `${got.distance} vs ${want}`);
  });

  it('identical sets give ≈ 0; a pure mean shift gives exactly ‖Δμ‖²; it is symmetric', () => {
    const a = rowsOf(seededValues(50 * 4, 7), 50, 4);
    assert.ok(Math.abs(frechetDistance(a, a).distance) < 1e-8);
    const shift = [0.5, -1, 2, 0];
    const b = a.map((r) => r.map((v, j) => v + shift[j]!));
    assert.ok(Math.abs(frechetDistance(a, b).distance - (0.25 + 1 + 4)) < 1e-8);
    const c = rowsOf(seededValues(60 * 4, 8), 60, 4).map((r) => r.map((v) => 2 * v));
    assert.ok(Math.abs(frechetDistance(a, c).distance - frechetDistance(c, a).distance) < 1e-8);
  });

  it('diagonal covariances by hand: Σ (σ1 − σ2)² per dimension', () => {
    // N(0, diag(1, 4)) vs N(1, diag(9, 1)): 1 + (1 − 3)² + (2 − 1)² = 6
    assert.ok(
      Math.abs(
        frechetDistanceFromStats(
          [0, 0],
          [
            [1, 0],
            [0, 4],
          ],
          [1, 0],
          [
            [9, 0],
            [0, 1],
          ],
        ).distance - 6,
      ) < 1e-9,
    );
  });

  it('adds and reports a diagonal offset for a singular product', () => {
    // Rank-deficient covariances (3 points in 4-d): the product is singular, the result stays finite.
    const a = rowsOf(seededValues(3 * 4, 3), 3, 4);
    const b = rowsOf(seededValues(3 * 4, 4), 3, 4);
    const r = frechetDistance(a, b);
    assert.ok(Number.isFinite(r.distance) && r.distance > 0);
    assert.ok(r.offset === 0 || r.offset === 1e-6);
  });

  it('rejects different feature dims, n < 2 and NaN with a typed error naming the function', () => {
    const ok = [
      [0, 1],
      [1, 0],
    ];
    const cases: [() => unknown, RegExp][] = [
      [
        () =>
          frechetDistance(ok, [
            [0, 1, 2],
            [1, 2, 3],
          ]),
        /^frechetDistance: a has 2 features per row but b has 3/,
      ],
      [() => frechetDistance([[0, 1]], ok), /^frechetDistance: a needs at least 2 rows, but has 1/],
      [
        () =>
          frechetDistance(ok, [
            [0, Number.NaN],
            [1, 1],
          ]),
        /^frechetDistance: b\[0\]\[1\] is NaN/,
      ],
      [
        () =>
          frechetDistanceFromStats(
            [0],
            [[1]],
            [0, 0],
            [
              [1, 0],
              [0, 1],
            ],
          ),
        /^frechetDistanceFromStats: dimensions disagree/,
      ],
    ];
    for (const [f, re] of cases) assert.throws(f, (e: unknown) => e instanceof InputError && re.test(e.message));
  });
});

describe('inceptionScore', () => {
  it('uniform predictions give 1; confident predictions spread evenly over k classes give k', () => {
    const uniform = Array.from({length: 20}, () => [0.25, 0.25, 0.25, 0.25]);
    assert.ok(Math.abs(inceptionScore(uniform, {splits: 2}).mean - 1) < 1e-12);
    const k = 5;
    const confident = Array.from({length: 50}, (_, i) => Array.from({length: k}, (_, c) => (c === i % k ? 1 : 0)));
    const r = inceptionScore(confident, {splits: 10});
    assert.ok(Math.abs(r.mean - k) < 1e-9 && r.std < 1e-9);
  });

  it('splits are sequential at ⌊k·n/s⌋ and cover every row (n not divisible by s); std is the population std', () => {
    // 5 rows, 2 splits at rows 0-1 and 2-4. Split 0: two opposite one-hots, IS 2. Split 1: [.5,.5] twice and [1,0],
    // p(y) = [2/3, 1/3], mean KL = (2 · ½ln(9/8) + ln(3/2)) / 3 = ln(27/16) / 3, IS (27/16)^(1/3).
    const probs = [
      [1, 0],
      [0, 1],
      [0.5, 0.5],
      [0.5, 0.5],
      [1, 0],
    ];
    const second = (27 / 16) ** (1 / 3);
    const r = inceptionScore(probs, {splits: 2});
    assert.ok(Math.abs(r.mean - (2 + second) / 2) < 1e-12, `mean ${r.mean}`);
    assert.ok(Math.abs(r.std - (2 - second) / 2) < 1e-12, `std ${r.std}`);
    // 7 rows, 3 splits of 2, 2 and 3 rows (IS 2, 1, 3): mean 2, std √(2/3).
    const seven = [
      [1, 0, 0],
      [0, 1, 0],
      [0.2, 0.3, 0.5],
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const r7 = inceptionScore(seven, {splits: 3});
    assert.ok(Math.abs(r7.mean - 2) < 1e-12, `mean ${r7.mean}`);
    assert.ok(Math.abs(r7.std - Math.sqrt(2 / 3)) < 1e-12, `std ${r7.std}`);
  });

  it('matches the formula computed directly on random probabilities', () => {
    const raw = rowsOf(seededValues(40 * 6, 9), 40, 6).map((r) => r.map((v) => Math.exp(3 * v)));
    const probs = raw.map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
    const split = (rows: number[][]) => {
      const py = rows[0]!.map((_, c) => rows.reduce((s, r) => s + r[c]!, 0) / rows.length);
      return Math.exp(
        rows.reduce((s, r) => s + r.reduce((t, p, c) => t + p * Math.log(p / py[c]!), 0), 0) / rows.length,
      );
    };
    const scores = [0, 1, 2, 3].map((k) => split(probs.slice(k * 10, k * 10 + 10)));
    const mean = scores.reduce((a, b) => a + b) / 4;
    assert.ok(relDiff(inceptionScore(probs, {splits: 4}).mean, mean) <= 1e-4);
  });

  it('rejects rows that do not sum to 1 and too few rows', () => {
    assert.throws(
      () =>
        inceptionScore(
          [
            [0.5, 0.6],
            [0.5, 0.5],
          ],
          {splits: 1},
        ),
      (e: unknown) => e instanceof InputError && /^inceptionScore: probs row 0 .* sums to 1\.1/.test(e.message),
    );
    assert.throws(
      () =>
        inceptionScore(
          [
            [1, 0],
            [0, 1],
          ],
          {splits: 10},
        ),
      /fewer than splits/,
    );
  });
});

describe('rPrecision', () => {
  it('is 1 when every caption code equals its image code, 0 when each matches another image better', () => {
    const codes = rowsOf(seededValues(30 * 8, 11), 30, 8);
    assert.equal(rPrecision(codes, codes, {candidates: 10}), 1);
    const shifted = codes.map((_, i) => codes[(i + 1) % codes.length]!);
    // Text i is image i+1's code: image i's own caption is a stranger, and with all 29 others in the pool
    // the caption that equals image i's code (text i−1) always wins.
    assert.equal(rPrecision(codes, shifted, {candidates: 30}), 0);
  });

  it('counts ties as misses and uses at most candidates − 1 mismatches', () => {
    const img = [
      [1, 0],
      [1, 0],
      [0, 1],
    ];
    const txt = [
      [1, 0],
      [1, 0],
      [0, 1],
    ];
    // Images 0 and 1 tie with each other's caption: misses unless the tie partner is not drawn (candidates 2 draws one of two).
    assert.equal(rPrecision(img, txt, {candidates: 3}), 1 / 3);
  });

  it('rejects mismatched shapes', () => {
    assert.throws(
      () =>
        rPrecision(
          [
            [1, 0],
            [0, 1],
          ],
          [[1, 0]],
        ),
      (e: unknown) => e instanceof InputError && /^rPrecision: textCodes needs at least 2 rows/.test(e.message),
    );
    assert.throws(
      () =>
        rPrecision(
          [
            [1, 0],
            [0, 1],
          ],
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
        ),
      /imageCodes has 2 features per row but textCodes has 3/,
    );
  });
});

describe('nearestCentroidAccuracy', () => {
  it('is 1 when each class sits in its own direction, and near chance when codes ignore the label', () => {
    const labels = Array.from({length: 30}, (_, i) => i % 3);
    const codes = labels.map((l, k) => [0, 1, 2].map((j) => (j === l ? 1 : 0) + 0.05 * Math.sin(k + j)));
    assert.equal(nearestCentroidAccuracy(codes, labels, codes.slice(0, 12), labels.slice(0, 12)), 1);
    const noise = seededValues(60 * 4, 7);
    const rows = (n: number, off: number) =>
      Array.from({length: n}, (_, i) => Array.from(noise.slice((off + i) * 4, (off + i + 1) * 4)));
    const random = Array.from({length: 30}, (_, i) => i % 3);
    const acc = nearestCentroidAccuracy(rows(30, 0), random, rows(30, 30), random);
    assert.ok(acc > 0.05 && acc < 0.7, `label-free codes: ${acc}`);
  });

  it('a test label with no train code counts as a miss; mismatched sizes are InputErrors', () => {
    assert.equal(
      nearestCentroidAccuracy(
        [
          [1, 0],
          [0, 1],
        ],
        [0, 1],
        [
          [1, 0],
          [0, 1],
        ],
        [0, 2],
      ),
      0.5,
    );
    assert.throws(
      () =>
        nearestCentroidAccuracy(
          [
            [1, 0],
            [0, 1],
          ],
          [0],
          [
            [1, 0],
            [0, 1],
          ],
          [0, 1],
        ),
      (e: unknown) => e instanceof InputError && /trainLabels has 1/.test(e.message),
    );
    assert.throws(
      () =>
        nearestCentroidAccuracy(
          [
            [1, 0],
            [0, 1],
          ],
          [0, 1],
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
          [0, 1],
        ),
      /2 features per row but test has 3/,
    );
  });
});
