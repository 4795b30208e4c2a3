import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useBestBackend} from '../../test/support';
import {readNpz, writeNpz} from '../core/npz';
import {ScgError} from '../errors';
import {GaussianAccumulator, readStatsNpz, writeStatsNpz} from './feature-stats';
import {gaussianStats} from './frechet';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-stats-'));
const badInput = (re: RegExp) => (e: unknown) => e instanceof ScgError && e.code === 'BAD_INPUT' && re.test(e.message);

describe('feature statistics', () => {
  before(useBestBackend);

  it('streamed batches give the mean and unbiased covariance of all rows, even far from the origin', () => {
    const [n, d] = [137, 9];
    const values = seededValues(n * d, 3).map((v, i) => 1000 + 5 * v + (i % d)); // a large mean, small spread
    const rows = Array.from({length: n}, (_, i) => Float64Array.from(values.subarray(i * d, (i + 1) * d)));
    const want = gaussianStats(rows);
    const acc = new GaussianAccumulator();
    const start = tf.memory().numTensors;
    for (let from = 0; from < n; from += 50) {
      const batch = tf.tensor2d(values.subarray(from * d, Math.min(n, from + 50) * d), [
        Math.min(n, from + 50) - from,
        d,
      ]);
      acc.add(batch);
      batch.dispose();
    }
    const got = acc.stats();
    acc.dispose();
    assert.equal(tf.memory().numTensors, start);
    assert.equal(acc.count, n);
    got.mu.forEach((m, j) => assert.ok(Math.abs(m - want.mu[j]!) < 1e-3, `mu[${j}]`));
    const worst = Math.max(...got.sigma.clone().sub(want.sigma).abs().to1DArray());
    assert.ok(worst < 1e-3 * Math.max(...want.sigma.abs().to1DArray()), `covariance off by ${worst}`);
  });

  it('writes statistics as npz and reads them back exactly', () => {
    const file = path.join(dir, 'stats.npz');
    const rows = Array.from({length: 20}, (_, i) => Float64Array.from(seededValues(4, i)));
    const s = gaussianStats(rows);
    writeStatsNpz(file, s);
    const back = readStatsNpz(file);
    assert.deepEqual(Array.from(back.mu), Array.from(s.mu));
    assert.deepEqual(back.sigma.to2DArray(), s.sigma.to2DArray());
    const arrays = readNpz(file);
    assert.deepEqual([...arrays.keys()].sort(), ['mu', 'sigma']);
    assert.deepEqual(arrays.get('sigma')!.shape, [4, 4]);
  });

  it("reads numpy's own npz files: np.savez float64 and np.savez_compressed float32", () => {
    for (const name of ['numpy-stats.npz', 'numpy-stats-f32.npz']) {
      const s = readStatsNpz(path.join(FIXTURES, name));
      assert.deepEqual(Array.from(s.mu), [0.5, -1.25, 3]);
      assert.deepEqual(s.sigma.to2DArray(), [
        [2, 0.5, 0],
        [0.5, 1, -0.25],
        [0, -0.25, 4],
      ]);
    }
  });

  it('names the file when mu or sigma is missing, shapes disagree, or it is no npz', () => {
    const file = path.join(dir, 'bad.npz');
    writeNpz(file, {mu: {shape: [3], data: new Float64Array(3)}});
    assert.throws(() => readStatsNpz(file), badInput(/bad\.npz has no sigma array \(it holds: mu\)/));
    writeNpz(file, {mu: {shape: [3], data: new Float64Array(3)}, sigma: {shape: [2, 2], data: new Float64Array(4)}});
    assert.throws(() => readStatsNpz(file), badInput(/mu is \[3\] and sigma \[2,2\]/));
    fs.writeFileSync(file, 'not a zip');
    assert.throws(() => readStatsNpz(file), badInput(/bad\.npz is not an \.npz \(zip\) archive/));
  });
});
