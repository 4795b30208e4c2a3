// End-to-end `scg fid` and `scg is` on small image folders, npz statistics and bad input (random FID Inception
// weights with the real names and shapes: the real file cannot be downloaded here).
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import sharp from 'sharp';
import {encodeSafetensors} from '../src/core/safetensors';
import {writeNpz} from '../src/core/npz';
import {randomFidInceptionTensors} from '../src/registry/evaluators/fid-inception/random-weights';
import {scg} from './cli-support';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-fid-cli-'));
const weights = path.join(dir, 'weights.safetensors');
const folderA = path.join(dir, 'a');
const folderB = path.join(dir, 'b');

async function writeFolder(folder: string, n: number, tint: number): Promise<void> {
  fs.mkdirSync(path.join(folder, 'nested'), {recursive: true});
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(16 * 16 * 3);
    for (let k = 0; k < px.length; k++) px[k] = (k * (i + 3) + tint * (k % 3)) & 255;
    // half the images in a subfolder (searched recursively), one as JPEG
    const file = path.join(folder, i % 2 ? 'nested' : '', `${i}.${i === 1 ? 'jpg' : 'png'}`);
    const img = sharp(px, {raw: {width: 16, height: 16, channels: 3}});
    await (i === 1 ? img.jpeg() : img.png()).toFile(file);
  }
}

const json = <T>(r: {status: number | null; stdout: string; stderr: string}): T => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

describe('scg fid and scg is', () => {
  before(async () => {
    fs.writeFileSync(weights, encodeSafetensors(randomFidInceptionTensors(5)));
    await writeFolder(folderA, 6, 0);
    await writeFolder(folderB, 6, 90);
  });

  it('FID of two folders, the same FID from saved statistics, and about 0 for a folder against itself', () => {
    const stats = path.join(dir, 'a.npz');
    const r = json<{fid: number; inputs: {images: number}[]; weightsSha256: string}>(
      scg(['fid', folderA, folderB, '--weights', weights, '--batch', '4', '--save-stats', stats, '--json']),
    );
    assert.ok(Number.isFinite(r.fid) && r.fid > 0, `FID ${r.fid}`);
    assert.deepEqual(
      r.inputs.map((i) => i.images),
      [6, 6],
    );
    assert.match(r.weightsSha256, /^[0-9a-f]{64}$/);
    assert.ok(fs.existsSync(stats));
    const fromStats = json<{fid: number}>(scg(['fid', stats, folderB, '--weights', weights, '--json']));
    assert.ok(Math.abs(fromStats.fid - r.fid) <= 1e-6 * r.fid, `${fromStats.fid} vs ${r.fid}`);
    const self = json<{fid: number}>(scg(['fid', stats, stats, '--json']));
    assert.ok(Math.abs(self.fid) < 1e-6 * r.fid, `FID of identical statistics ${self.fid}`);
    const text = scg(['fid', stats, folderB, '--weights', weights]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^FID: \d+\.\d{4}\n$/);
  });

  it('IS of a folder: mean and std over the splits', () => {
    const r = json<{mean: number; std: number; images: number; splits: number}>(
      scg(['is', folderA, '--splits', '3', '--weights', weights, '--json']),
    );
    assert.equal(r.images, 6);
    assert.equal(r.splits, 3);
    assert.ok(r.mean >= 1 && Number.isFinite(r.mean) && r.std >= 0, JSON.stringify(r));
  });

  it('bad input exits 2 naming the file, and writes nothing', () => {
    const out = path.join(dir, 'never.npz');
    const bad = (args: string[], re: RegExp) => {
      const r = scg([...args, '--save-stats', out]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!fs.existsSync(out), 'no statistics written');
    };
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    bad(['fid', empty, folderB, '--weights', weights], /empty holds no images/);
    bad(['fid', folderA, path.join(dir, 'nope'), '--weights', weights], /nope is not a folder/);
    const noSigma = path.join(dir, 'mu-only.npz');
    writeNpz(noSigma, {mu: {shape: [2048], data: new Float64Array(2048)}});
    bad(['fid', folderA, noSigma, '--weights', weights], /mu-only\.npz has no sigma array/);
    const broken = path.join(dir, 'broken');
    fs.cpSync(folderA, broken, {recursive: true});
    fs.writeFileSync(path.join(broken, 'zz-truncated.png'), 'not a png');
    bad(
      ['fid', broken, folderB, '--weights', weights, '--batch', '4'],
      /zz-truncated\.png is not a readable image[\s\S]*--skip-bad/,
    );
    const wrong = path.join(dir, 'wrong.safetensors');
    const t = randomFidInceptionTensors(5);
    t.delete('Mixed_7c.branch_pool.conv.weight');
    fs.writeFileSync(wrong, encodeSafetensors(t));
    bad(
      ['fid', folderA, folderB, '--weights', wrong],
      /wrong\.safetensors has no tensor Mixed_7c\.branch_pool\.conv\.weight/,
    );
    const one = scg(['fid', folderA, '--weights', weights]);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /needs two inputs/);
    const skipped = scg(['is', broken, '--splits', '2', '--weights', weights, '--skip-bad', '--json']);
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.equal((JSON.parse(skipped.stdout) as {images: number; skipped: number}).skipped, 1);
  });
});
