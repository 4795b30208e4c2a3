import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {damsmMask, selectBatch, sameClassMask} from '../../data/batch';
import {loadConfigText} from '../../config/load';
import {Rng} from '../../core/rng';
import {datasets} from '..';
import type {DatasetConfig} from './descriptor';

const cfg = (over: Partial<DatasetConfig> & Record<string, unknown> = {}): DatasetConfig =>
  ({
    name: 'shapes',
    resolution: 16,
    size: 200,
    captionsPerImage: 4,
    labelNoise: 0,
    maxWords: 16,
    testFraction: 0.1,
    seed: 0,
    ...over,
  }) as DatasetConfig;

describe('built-in shapes datasets', () => {
  it('are deterministic from the seed and differ across seeds', async () => {
    const a = await datasets.get('shapes').build(cfg());
    const b = await datasets.get('shapes').build(cfg());
    const c = await datasets.get('shapes').build(cfg({seed: 1}));
    assert.deepEqual(a.train.images, b.train.images);
    assert.deepEqual(a.train.captions, b.train.captions);
    assert.notDeepEqual(a.train.captions, c.train.captions);
    assert.equal(a.train.count + a.test.count, 200);
    assert.equal(a.test.count, 20);
  });

  it('gives each image several different captions that name its label, plus attributes outside it', async () => {
    const ds = await datasets.get('shapes').build(cfg());
    for (let i = 0; i < 20; i++) {
      const caps = ds.train.captions[i]!;
      assert.equal(new Set(caps).size, caps.length, `captions of image ${i} repeat`);
      const [color] = ds.classNames[ds.train.labels![i]!]!.split(' ');
      assert.ok(
        caps.every((c) => c.includes(color!)),
        `image ${i}: every caption names the colour ${color}`,
      );
    }
    const words = new Set(ds.train.captions.flat().join(' ').split(' '));
    for (const w of ['small', 'large', 'left', 'background']) assert.ok(words.has(w), `captions mention ${w}`);
    assert.ok(ds.vocab.size > 30);
  });

  it('declares its label factors: classes with the same shape (colour) word share its shape (colour) value', async () => {
    const ds = await datasets.get('shapes').build(cfg());
    const {shape, colour} = ds.labelFactors!;
    assert.equal(shape!.length, ds.classNames.length);
    for (let a = 0; a < ds.classNames.length; a++) {
      for (let b = 0; b < ds.classNames.length; b++) {
        const [ca, sa] = ds.classNames[a]!.split(' ');
        const [cb, sb] = ds.classNames[b]!.split(' ');
        assert.equal(shape![a] === shape![b], sa === sb, `${ds.classNames[a]} / ${ds.classNames[b]}: shape`);
        assert.equal(colour![a] === colour![b], ca === cb, `${ds.classNames[a]} / ${ds.classNames[b]}: colour`);
      }
    }
  });

  it('corrupts exactly the labelNoise fraction of training labels, reproducibly, never the test split', async () => {
    for (const name of ['shapes', 'shapes-multi']) {
      const noisy = await datasets.get(name).build(cfg({name, labelNoise: 0.25}));
      const again = await datasets.get(name).build(cfg({name, labelNoise: 0.25}));
      const got = (noisy.train.labels ?? noisy.train.labelSets)!.map((l) => JSON.stringify(l));
      const clean = (noisy.train.cleanLabels as unknown[]).map((l) => JSON.stringify(l));
      const changed = got.filter((l, i) => l !== clean[i]).length;
      assert.equal(changed, Math.round(0.25 * noisy.train.count), name);
      assert.deepEqual(noisy.train.labels ?? noisy.train.labelSets, again.train.labels ?? again.train.labelSets);
      assert.deepEqual(noisy.test.labels ?? noisy.test.labelSets, noisy.test.cleanLabels);
    }
  });

  it('shapes-multi labels are non-empty sets of shape categories named in the captions', async () => {
    const ds = await datasets.get('shapes-multi').build(cfg({name: 'shapes-multi'}));
    assert.equal(ds.labelKind, 'multi');
    ds.train.labelSets!.slice(0, 30).forEach((set, i) => {
      assert.ok(set.length >= 1 && set.length <= 3);
      const text = ds.train.captions[i]!.join(' ');
      const synonyms: Record<string, string[]> = {
        circle: ['circle', 'disc', 'round'],
        square: ['square', 'box', 'block'],
        triangle: ['triangle', 'wedge', 'three-sided'],
        cross: ['cross', 'plus'],
      };
      for (const c of set)
        assert.ok(
          synonyms[ds.classNames[c]!]!.some((w) => text.includes(w)),
          `image ${i} captions mention ${ds.classNames[c]}`,
        );
    });
  });

  it('batches give two different captions per image and a same-class mask without the diagonal', async () => {
    const ds = await datasets.get('shapes').build(cfg());
    const sel = selectBatch(ds.train, 16, Rng.for(0, 'test', 1));
    assert.equal(new Set(sel.indices).size, 16);
    sel.captions[0].forEach((c, k) => assert.notEqual(c, sel.captions[1][k]));
    const labels = sel.indices.map((i) => ds.train.labels![i]!);
    const mask = sameClassMask({labels});
    mask.forEach((row, i) => row.forEach((v, j) => assert.equal(v, i !== j && labels[i] === labels[j])));
    assert.deepEqual(selectBatch(ds.train, 16, Rng.for(0, 'test', 1)), sel);
    assert.deepEqual(damsmMask({labels}, 'same-label'), mask);
    assert.ok(damsmMask({labels}, 'none').every((row) => row.every((v) => !v)));
  });

  it("DAMSM's negatives follow AttnGAN per dataset: same-label on CUB-like data, none on COCO-like label sets", () => {
    const mask = (section: string) =>
      loadConfigText(`name: x\ndataset: ${section}\ncontrastive: {mode: none}\n`, 'x.yaml').config.dataset['damsmMask'];
    assert.deepEqual(
      ['{name: cub, root: /data}', '{name: coco, root: /data}', '{name: shapes}', '{name: shapes-multi}'].map(mask),
      ['same-label', 'none', 'same-label', 'none'],
    );
  });
});
