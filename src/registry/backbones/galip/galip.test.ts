import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import {useBestBackend} from '../../../../test/support';
import {tinyBackbone, tinyEncoders, tinyExperiment} from '../../../../test/tiny';
import {buildGan} from '../../../runtime/phases/gan-trainer';

describe('galip', () => {
  before(useBestBackend);

  it('a G+D step leaves the frozen encoder unchanged while G and D (which run through it) learn', async () => {
    const {config, dataset} = await tinyExperiment([tinyBackbone('galip')]);
    const enc = await tinyEncoders(config, dataset);
    const trainer = buildGan(config, dataset, enc.encoders);
    const snapshot = (m: Map<string, {dataSync(): ArrayLike<number>}>) =>
      new Map([...m].map(([k, v]) => [k, Array.from(v.dataSync())]));
    const frozen = snapshot(enc.params.variables);
    const g = snapshot(trainer.model.g.variables);
    const d = snapshot(trainer.model.d.variables);
    const losses = trainer.step(0);
    trainer.step(1);
    assert.ok('g_neg_cos' in losses && 'd_magp' in losses);
    for (const [k, v] of enc.params.variables)
      assert.deepEqual(Array.from(v.dataSync()), frozen.get(k), `encoder ${k} changed`);
    const moved = (before: Map<string, number[]>, now: Map<string, {dataSync(): ArrayLike<number>}>) =>
      [...now].filter(([k, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(k)![i])).length;
    assert.ok(moved(g, trainer.model.g.variables) > 0.5 * g.size, 'G learns through the frozen bridge');
    assert.ok(moved(d, trainer.model.d.variables) > 0.5 * d.size, 'D learns on frozen features');
    trainer.dispose();
    enc.params.dispose();
  });
});
