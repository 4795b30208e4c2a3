// The COCO loader on a tiny tree in the official layout: label sets, category mapping, empty sets, limits, bad JSON.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {makeCocoTree} from '../../../test/dataset-trees';
import type {Dataset} from '../../data/dataset';
import {ScgError} from '../../errors';
import {coco, type CocoConfig} from './coco';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'scg-coco-'));

function config(root: string, extra: Partial<CocoConfig> = {}): CocoConfig {
  return {
    name: 'coco',
    root,
    emptyLabels: 'drop',
    maxTrain: 0,
    maxTest: 0,
    cacheDir: path.join(root, '..', 'cache'),
    skipBad: false,
    seed: 0,
    augment: false,
    damsmMask: 'none',
    resolution: 16,
    captionsPerImage: 5,
    labelNoise: 0,
    maxWords: 16,
    ...extra,
  };
}

const build = (cfg: CocoConfig): Promise<Dataset> => coco.build(cfg, {quiet: true, log: () => {}});

async function badInput(cfg: CocoConfig, pattern: RegExp): Promise<void> {
  await assert.rejects(build(cfg), (e: unknown) => {
    assert.ok(e instanceof ScgError && e.exitCode === 2, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

function editJson(file: string, edit: (j: Record<string, unknown[]>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown[]>;
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

describe('dataset coco', () => {
  it('maps category ids 1, 3, 7 to 0..2, builds label sets, drops images without instances by default', async () => {
    const tree = await makeCocoTree(path.join(tmp(), 'coco'));
    const ds = await build(config(tree.root));
    assert.equal(ds.labelKind, 'multi');
    assert.deepEqual(ds.classNames, ['person', 'car', 'train']);
    assert.deepEqual(ds.train.labelSets, [[0], [1], [2], [0, 1], [1, 2]]);
    assert.deepEqual(ds.test.labelSets, [[0], [1, 2], [2]]);
    assert.equal(ds.train.captions[3]![2], 'A photo 2 showing person and a car.');
    assert.deepEqual(
      ds.train.tokens[3]![2]!.map((id) => ds.vocab.words[id]),
      ['a', 'photo', '2', 'showing', 'person', 'and', 'a', 'car'],
    );
  });

  it("emptyLabels 'empty' keeps an image without instances with an empty set; maxTrain/maxTest take the first ids", async () => {
    const tree = await makeCocoTree(path.join(tmp(), 'coco'));
    const ds = await build(config(tree.root, {emptyLabels: 'empty'}));
    assert.deepEqual(ds.train.labelSets![3], []);
    assert.equal(ds.train.count, 6);
    const small = await build(config(tree.root, {maxTrain: 3, maxTest: 1}));
    assert.deepEqual(small.train.labelSets, [[0], [1], [2]]);
    assert.equal(small.test.count, 1);
  });

  it('malformed JSON names the file, line and column; a missing field names the entry; an unknown category is per image', async () => {
    const dir = tmp();
    let tree = await makeCocoTree(path.join(dir, 'a'));
    fs.writeFileSync(
      path.join(tree.root, 'annotations/captions_train2014.json'),
      '{\n  "images": [\n    {"id": 1,, }\n  ]\n}\n',
    );
    await badInput(config(tree.root), /annotations\/captions_train2014\.json:3:14: malformed JSON/);

    tree = await makeCocoTree(path.join(dir, 'b'));
    editJson(
      path.join(tree.root, 'annotations/captions_val2014.json'),
      (j) => delete (j['annotations']![1] as Record<string, unknown>)['caption'],
    );
    await badInput(
      config(tree.root),
      /captions_val2014\.json annotations\[1\]: `caption` should be a string, found nothing/,
    );

    tree = await makeCocoTree(path.join(dir, 'c'));
    editJson(path.join(tree.root, 'annotations/instances_train2014.json'), (j) => delete j['categories']);
    await badInput(config(tree.root), /instances_train2014\.json: has no `categories` list/);

    tree = await makeCocoTree(path.join(dir, 'd'));
    editJson(
      path.join(tree.root, 'annotations/instances_train2014.json'),
      (j) => ((j['annotations']![0] as Record<string, unknown>)['category_id'] = 99),
    );
    await badInput(
      config(tree.root),
      /instances_train2014\.json annotations\[0\]: category_id 99 is not in the categories list/,
    );
    const skipped = await build(config(tree.root, {skipBad: true}));
    assert.equal(skipped.train.count, 4);
    assert.equal(skipped.skipped!.length, 1);

    tree = await makeCocoTree(path.join(dir, 'e'));
    fs.rmSync(path.join(tree.root, 'val2014', 'COCO_val2014_000000000501.jpg'));
    await badInput(
      config(tree.root),
      /captions_val2014\.json images\[1\] \(id 501\): val2014\/COCO_val2014_000000000501\.jpg is listed but does not exist/,
    );

    tree = await makeCocoTree(path.join(dir, 'f'));
    editJson(
      path.join(tree.root, 'annotations/captions_train2014.json'),
      (j) =>
        (j['annotations'] = (j['annotations'] as {image_id: number}[]).filter(
          (a, i) => a.image_id !== 101 || i % 5 < 2,
        )),
    );
    await badInput(
      config(tree.root),
      /captions_train2014\.json images\[1\] \(id 101\): has 2 caption\(s\), fewer than captionsPerImage 5/,
    );
    fs.rmSync(path.join(tree.root, 'annotations/instances_val2014.json'));
    await badInput(config(tree.root, {skipBad: true}), /annotations\/instances_val2014\.json: missing/);
  });
});
