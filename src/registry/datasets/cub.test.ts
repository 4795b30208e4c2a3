// The CUB loader on a tiny tree in the official layout: parsing, labels, splits, box crop, cache, and every bad input.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {makeCubTree} from '../../../test/dataset-trees';
import type {Dataset} from '../../data/dataset';
import {enlargedCrop} from '../../data/image-file';
import {imagesTensor, makeBatch, selectBatch, sliceSelection} from '../../data/batch';
import {Rng} from '../../core/rng';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../errors';
import {cub, type CubConfig, PAPER_TEST_CLASSES} from './cub';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'scg-cub-'));

function config(root: string, extra: Partial<CubConfig> = {}): CubConfig {
  return {
    name: 'cub',
    root,
    textRoot: '',
    cropToBox: true,
    split: 'official',
    testClasses: '',
    cacheDir: path.join(root, '..', 'cache'),
    skipBad: false,
    seed: 0,
    augment: false,
    damsmMask: 'same-label',
    resolution: 16,
    captionsPerImage: 5,
    labelNoise: 0,
    maxWords: 16,
    ...extra,
  };
}

async function build(cfg: CubConfig, lines: string[] = []): Promise<Dataset> {
  return cub.build(cfg, {quiet: true, log: (l) => lines.push(l)});
}

async function badInput(cfg: CubConfig, pattern: RegExp): Promise<void> {
  await assert.rejects(build(cfg), (e: unknown) => {
    assert.ok(e instanceof ScgError && e.exitCode === 2, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

describe('dataset cub', () => {
  it('reads the official layout: splits, class names, labels, captions, RGB images (grey PNG included)', async () => {
    const tree = await makeCubTree(path.join(tmp(), 'CUB_200_2011'));
    const ds = await build(config(tree.root));
    assert.equal(ds.labelKind, 'single');
    assert.deepEqual(ds.classNames, ['Red Bird', 'Green Bird', 'Blue Bird']);
    assert.equal(ds.train.count, 6); // odd ids
    assert.equal(ds.test.count, 6);
    assert.deepEqual(ds.train.labels, [0, 0, 1, 1, 2, 2]);
    assert.equal(ds.train.captions[0]!.length, 5);
    assert.equal(ds.train.captions[0]![1], 'this red bird number 1 has a red body and short wings');
    assert.ok(ds.vocab.words.includes('green'));
    assert.equal(ds.train.images.length, 6 * 16 * 16 * 3);
    // image 5 (train index 2) is a grey PNG: every pixel has R = G = B
    const px = 16 * 16 * 3;
    const grey = ds.train.images.subarray(2 * px, 3 * px);
    for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i + 1] === grey[i + 2]);
    // a red bird's centre pixel is red
    const c = (8 * 16 + 8) * 3;
    assert.ok(
      ds.train.images[c]! > 150 && ds.train.images[c + 2]! < 100,
      `centre ${ds.train.images.subarray(c, c + 3)}`,
    );
    assert.equal(ds.train.tokens[0]![0]!.length, 12);
  });

  it("split 'classes' holds out the listed classes; the shipped list is checked against classes.txt", async () => {
    const tree = await makeCubTree(path.join(tmp(), 'CUB'));
    fs.writeFileSync(path.join(tree.root, 'test-classes.txt'), '# held-out species\n003.Blue_Bird\n');
    const ds = await build(config(tree.root, {split: 'classes', testClasses: 'test-classes.txt'}));
    assert.equal(ds.train.count, 8);
    assert.equal(ds.test.count, 4);
    assert.ok(ds.test.labels!.every((l) => l === 2) && ds.train.labels!.every((l) => l !== 2));
    // without testClasses the papers' list is used: this tree's classes.txt has none of its birds
    await badInput(
      config(tree.root, {split: 'classes'}),
      /test-classes\.txt:4: '001\.Black_footed_Albatross' is not a class of classes\.txt/,
    );
    fs.writeFileSync(path.join(tree.root, 'bad-classes.txt'), '004.Purple_Bird\n');
    await badInput(
      config(tree.root, {split: 'classes', testClasses: 'bad-classes.txt'}),
      /bad-classes\.txt:1: '004\.Purple_Bird' is not a class of classes\.txt/,
    );
  });

  it("the shipped list is the papers' 50 of CUB's 200 classes, and split 'classes' tests on them by default", async () => {
    const listed = fs
      .readFileSync(PAPER_TEST_CLASSES, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    assert.equal(listed.length, 50);
    assert.equal(new Set(listed).size, 50);
    const ids = listed.map((l) => Number(/^(\d{3})\.[A-Za-z_]+$/.exec(l)?.[1]));
    assert.ok(
      ids.every((id) => id >= 1 && id <= 200) && ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      String(ids),
    );
    // a classes.txt of 200 classes in which the tree's class 1 is a listed (test) class and classes 2, 3 are not
    const tree = await makeCubTree(path.join(tmp(), 'CUB'));
    const byId = new Map(listed.map((l, i) => [ids[i]!, l]));
    const rows = Array.from({length: 200}, (_, k) => {
      const id = k + 1;
      return `${id} ${byId.get(id) ?? `${String(id).padStart(3, '0')}.Train_Class_${id}`}`;
    });
    fs.writeFileSync(path.join(tree.root, 'classes.txt'), `${rows.join('\n')}\n`);
    const ds = await build(config(tree.root, {split: 'classes'}));
    assert.equal(ds.classNames.length, 200);
    assert.equal(ds.classNames[0], 'Black footed Albatross');
    assert.equal(ds.test.count, 4);
    assert.equal(ds.train.count, 8);
    assert.ok(ds.test.labels!.every((l) => l === 0) && ds.train.labels!.every((l) => l === 1 || l === 2));
  });

  it('crops around the enlarged bounding box the way AttnGAN does', async () => {
    assert.deepEqual(enlargedCrop({x: 12, y: 8, width: 20, height: 16}, 48, 40), {
      left: 7,
      top: 1,
      width: 30,
      height: 30,
    });
    assert.deepEqual(enlargedCrop({x: 0, y: 0, width: 40, height: 10}, 48, 40), {
      left: 0,
      top: 0,
      width: 48,
      height: 35,
    });
    const tree = await makeCubTree(path.join(tmp(), 'CUB'));
    const colourShare = (ds: Dataset) => {
      const img = ds.train.images.subarray(0, 16 * 16 * 3); // a red bird on a cyan background
      let red = 0;
      for (let i = 0; i < img.length; i += 3) if (img[i]! > 128) red++;
      return red / (16 * 16);
    };
    const cropped = colourShare(await build(config(tree.root, {cropToBox: true})));
    const whole = colourShare(await build(config(tree.root, {cropToBox: false})));
    assert.ok(cropped > whole + 0.1, `the bird fills more of the cropped image: ${cropped} vs ${whole}`);
  });

  it('augments as the originals do: train images held at 76/64 of the resolution, cropped and flipped per step', async () => {
    const tree = await makeCubTree(path.join(tmp(), 'CUB'));
    const plain = await build(config(tree.root));
    const lines: string[] = [];
    const ds = await build(config(tree.root, {augment: true}), lines);
    assert.deepEqual(ds.train.augment, {side: 19, crop: 16});
    assert.equal(ds.train.images.length, ds.train.count * 19 * 19 * 3, 'train held at 19 px');
    assert.deepEqual(ds.test.images, plain.test.images, 'the test split is not augmented');
    assert.equal(ds.test.augment, undefined);
    assert.ok(
      lines.some((l) => /cub-16px-train19px-/.test(l)),
      lines.join('\n'),
    );
    // a batch: the same stream draws the same crops; each image is its stored window (mirrored when flipped)
    const sel = selectBatch(ds.train, 4, Rng.for(0, 'pretrain', 7));
    assert.deepEqual(sel, selectBatch(ds.train, 4, Rng.for(0, 'pretrain', 7)));
    assert.deepEqual(
      {indices: sel.indices, captions: sel.captions},
      selectBatch(plain.train, 4, Rng.for(0, 'pretrain', 7)),
      'images and captions are drawn as without augmentation',
    );
    const batch = makeBatch(ds, ds.train, sel);
    const got = batch.images.arraySync();
    sel.indices.forEach((img, k) => {
      const view = sel.views![k]!;
      for (const [row, col] of [
        [0, 0],
        [5, 11],
        [15, 15],
      ] as const) {
        const x = view.x + (view.flip ? 15 - col : col);
        const at = ((img * 19 + view.y + row) * 19 + x) * 3;
        assert.ok(
          Math.abs(got[k]![row]![col]![0]! - (ds.train.images[at]! / 127.5 - 1)) < 1e-6,
          `image ${k} (${row}, ${col})`,
        );
      }
    });
    assert.deepEqual(sliceSelection(sel, 1, 3).views, sel.views!.slice(1, 3), 'data-parallel rows keep their views');
    tf.dispose([batch.images, ...batch.tokens, ...batch.masks]);
    // outside training (evaluator, previews) an augmented image is the whole image at the resolution
    const whole = imagesTensor(ds.train, [0], 16);
    const ref = imagesTensor(plain.train, [0], 16);
    const diff = tf.tidy(() => tf.mean(tf.abs(tf.sub(whole, ref))).dataSync()[0]!);
    assert.ok(diff < 0.05, `the whole image resized from 19 px is close to the one decoded at 16 px: ${diff}`);
    tf.dispose([whole, ref]);
    const again: string[] = [];
    await build(config(tree.root, {augment: true}), again);
    assert.ok(
      again.some((l) => /decoded images from the cache/.test(l)),
      'cached under its own key',
    );
  });

  it('caches decoded images: a hit gives the same data, a changed file or setting misses, a damaged cache is rebuilt', async () => {
    const tree = await makeCubTree(path.join(tmp(), 'CUB'));
    const cfg = config(tree.root);
    const first: string[] = [];
    const a = await build(cfg, first);
    assert.ok(first.some((l) => /cached the decoded images in/.test(l)));
    const second: string[] = [];
    const b = await build(cfg, second);
    assert.ok(
      second.some((l) => /decoded images from the cache/.test(l)),
      second.join('\n'),
    );
    assert.deepEqual(b.train.images, a.train.images);
    assert.deepEqual(b.test.captions, a.test.captions);
    const other: string[] = [];
    await build({...cfg, resolution: 32}, other);
    assert.ok(!other.some((l) => /from the cache/.test(l)), 'another resolution is another cache');
    fs.writeFileSync(
      path.join(tree.root, 'text', tree.images[0]!.replace('.jpg', '.txt')),
      `${Array.from({length: 10}, () => 'a changed caption about a red bird').join('\n')}\n`,
    );
    const changed: string[] = [];
    const c = await build(cfg, changed);
    assert.ok(!changed.some((l) => /from the cache/.test(l)), 'a changed caption file misses');
    assert.equal(c.train.captions[0]![0], 'a changed caption about a red bird');
    const cacheFile = fs
      .readdirSync(cfg.cacheDir)
      .filter((f) => f.endsWith('.bin'))
      .map((f) => path.join(cfg.cacheDir, f))
      .sort((x, y) => fs.statSync(y).mtimeMs - fs.statSync(x).mtimeMs)[0]!;
    fs.truncateSync(cacheFile, fs.statSync(cacheFile).size - 10);
    const damaged: string[] = [];
    const d = await build(cfg, damaged);
    assert.ok(
      damaged.some((l) => /is truncated .*; rebuilding it/.test(l)),
      damaged.join('\n'),
    );
    assert.deepEqual(d.train.images, c.train.images);
  });

  it('bad input names the file and line; --skip-bad leaves single images out with a count', async () => {
    const dir = tmp();
    await badInput(config(path.join(dir, 'nowhere')), /dataset\.root: .*nowhere does not exist/);
    let tree = await makeCubTree(path.join(dir, 'a'));
    fs.rmSync(path.join(tree.root, 'classes.txt'));
    await badInput(config(tree.root), /classes\.txt: missing/);

    tree = await makeCubTree(path.join(dir, 'b'));
    fs.rmSync(path.join(tree.root, 'images', tree.images[2]!));
    await badInput(config(tree.root), /images\.txt:3: .*\.jpg is listed but does not exist/);
    let ds = await build(config(tree.root, {skipBad: true}));
    assert.equal(ds.train.count + ds.test.count, 11);
    assert.equal(ds.skipped!.length, 1);

    tree = await makeCubTree(path.join(dir, 'c'));
    fs.writeFileSync(path.join(tree.root, 'images', tree.images[0]!), Buffer.from('this is not a jpeg at all'));
    await badInput(
      config(tree.root),
      /images\/001\.Red_Bird\/Red_Bird_0001\.jpg \(images\.txt:1\): cannot decode the image/,
    );
    ds = await build(config(tree.root, {skipBad: true}));
    assert.equal(ds.train.count, 5);

    tree = await makeCubTree(path.join(dir, 'd'));
    fs.writeFileSync(path.join(tree.root, 'text', tree.images[1]!.replace('.jpg', '.txt')), 'only one line\nand two\n');
    await badInput(
      config(tree.root),
      /text\/001\.Red_Bird\/Red_Bird_0002\.txt: has 2 caption line\(s\), fewer than captionsPerImage 5/,
    );

    tree = await makeCubTree(path.join(dir, 'e'));
    fs.writeFileSync(
      path.join(tree.root, 'image_class_labels.txt'),
      fs.readFileSync(path.join(tree.root, 'image_class_labels.txt'), 'utf8').replace(/^4 1$/m, '4 9'),
    );
    await badInput(config(tree.root), /image_class_labels\.txt:4: class 9 is not in classes\.txt \(ids 1\.\.3\)/);
    ds = await build(config(tree.root, {skipBad: true}));
    assert.equal(ds.skipped![0]!.where, 'image_class_labels.txt:4');

    tree = await makeCubTree(path.join(dir, 'f'));
    fs.appendFileSync(path.join(tree.root, 'bounding_boxes.txt'), '13 1.0 2.0\n');
    await badInput(config(tree.root), /bounding_boxes\.txt:13: expected 5 columns, found 3/);
  });
});
