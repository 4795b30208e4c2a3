import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {studentQuantile, welchInterval} from './welch';

describe("Welch's t-interval", () => {
  it('Student t quantiles match the tables, integer and fractional df', () => {
    // t_{0.975, df} from published tables (and scipy.stats.t.ppf for the fractional df)
    const table: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [10, 2.228138851986274],
      [100, 1.9839715185235518],
      [2.75573, 3.348140717725099],
    ];
    for (const [df, t] of table) {
      const got = studentQuantile(0.975, df);
      assert.ok(Math.abs(got - t) < 1e-7 * t, `df ${df}: ${got} vs ${t}`);
    }
  });

  it('a case computed by hand: seeds 12, 10, 8 against 5, 6, 7, 6', () => {
    // means 10 and 6, sample stds 2 and √(2/3); v = 4/3 + (2/3)/4 = 1.5; df = 1.5² / ((4/3)²/2 + (1/6)²/3) = 2.50515;
    // t_{0.975, 2.50515} = 3.56940 (scipy.stats.t.ppf); half-width 3.56940 · √1.5 = 4.37160, so Δ = 4 has the
    // interval [−0.37160, 8.37160], as scipy's ttest_ind(equal_var=False).confidence_interval() gives.
    const a = {mean: 10, std: 2, n: 3};
    const b = {mean: 6, std: Math.sqrt(2 / 3), n: 4};
    const ci = welchInterval(a, b)!;
    assert.ok(Math.abs(ci.df - 2.5051546391752577) < 1e-9, `df ${ci.df}`);
    assert.ok(Math.abs(ci.low - -0.3716017998147185) < 1e-6, `low ${ci.low}`);
    assert.ok(Math.abs(ci.high - 8.37160179981472) < 1e-6, `high ${ci.high}`);
  });

  it('no interval with fewer than two runs on a side, or with no spread at all', () => {
    assert.equal(welchInterval({mean: 1, std: 0, n: 1}, {mean: 0, std: 1, n: 3}), undefined);
    assert.equal(welchInterval({mean: 1, std: 0, n: 3}, {mean: 0, std: 0, n: 3}), undefined);
    const oneSided = welchInterval({mean: 1, std: 0, n: 3}, {mean: 0, std: 1, n: 3})!;
    assert.ok(Math.abs(oneSided.df - 2) < 1e-12, 'all the variance on one side: its n − 1 degrees of freedom');
  });
});
