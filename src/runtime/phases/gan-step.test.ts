// The GAN step's inputs from the config: the branches' noise (shared by default, as T2I_CL) and the DAMSM γs.
import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import {useBestBackend} from '../../../test/support';
import {tinyBackbone, tinyGanLosses} from '../../../test/tiny';
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

describe('the GAN phase DAMSM term', () => {
  before(useBestBackend);

  it("takes γ1, γ2, γ3 from the backbone, with each original's defaults (SSA-GAN: γ1 = 5)", async () => {
    const gammas = (name: string) => {
      const b = loadConfigText('name: x\n', 'x.yaml', [`backbone=${name}`]).config.backbone;
      return [b['damsmGamma1'], b['damsmGamma2'], b['damsmGamma3']];
    };
    assert.deepEqual(gammas('attngan'), [4, 5, 10]);
    assert.deepEqual(gammas('dmgan'), [4, 5, 10]);
    assert.deepEqual(gammas('ssagan'), [5, 5, 10]);
    const word = (sets: string[]) => tinyGanLosses([tinyBackbone('attngan'), ...sets]);
    const base = await word([]);
    assert.equal((await word([]))['g_damsm_word'], base['g_damsm_word'], 'the same config gives the same term');
    for (const k of ['damsmGamma1', 'damsmGamma2', 'damsmGamma3']) {
      const other = await word([`backbone.${k}=20`]);
      assert.notEqual(other['g_damsm_word'], base['g_damsm_word'], `${k} reaches the word loss`);
      assert.equal(other['d_loss'], base['d_loss'], `${k} leaves D alone`);
    }
  });
});
