// The GAN step's noise for the two caption branches: shared (T2I_CL, the default) or one draw per branch.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {loadConfigText} from '../../config/load';
import {Rng} from '../../core/rng';
import {branchNoise} from './gan-step';

describe('branchNoise', () => {
  it('shared: branch 2 repeats branch 1 row for row; independent: the branches differ; both follow the seed', () => {
    const [B, w] = [3, 4];
    const shared = branchNoise(Rng.for(7, 'train', 0), B, w, 'shared');
    assert.equal(shared.length, 2 * B * w);
    assert.deepEqual(shared.subarray(B * w), shared.subarray(0, B * w));
    assert.ok(shared.some((v) => v !== 0));
    const own = branchNoise(Rng.for(7, 'train', 0), B, w, 'independent');
    assert.equal(own.length, 2 * B * w);
    assert.notDeepEqual(own.subarray(B * w), own.subarray(0, B * w));
    assert.deepEqual(branchNoise(Rng.for(7, 'train', 0), B, w, 'independent'), own);
    assert.deepEqual(own.subarray(0, B * w), shared.subarray(0, B * w), "branch 1's draw is the same either way");
  });

  it("defaults to shared, T2I_CL's choice", () => {
    assert.equal(loadConfigText('name: x\n', 'x.yaml').config.train.branchNoise, 'shared');
  });
});
