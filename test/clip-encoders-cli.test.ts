// End to end: GALIP's structure on a CLIP folder in the Hugging Face layout, with no pretraining; sampling from the run.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import sharp from 'sharp';
import {query, scg} from './cli-support';
import {TINY_CONFIG, tinyBackbone} from './tiny';
import {writeTinyClip} from './tiny-clip';

describe('GAN phase on a Hugging Face CLIP folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-clip-cli-'));
  const clip = path.join(dir, 'clip-vit-tiny');
  writeTinyClip(clip);
  const sets = (p: string, db: string) => [
    '--db',
    db,
    '--set',
    tinyBackbone('galip'),
    '--set',
    'backbone.promptLayers=[1]',
    '--set',
    'backbone.featureLayers=[0, 1, 2]',
    '--set',
    `encoders={name: clip, path: ${p}}`,
    '--set',
    'phases=[train]',
  ];

  it('trains galip through the CLIP layers and scg sample draws from the run', async () => {
    const db = path.join(dir, 'experiments.db');
    const r = scg(['run', TINY_CONFIG, ...sets(clip, db), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    assert.match(r.stderr, /frozen encoders from .*clip-vit-tiny \(sha256 [0-9a-f]{12}\)/);
    const keys = query<{key: string}>(
      db,
      "SELECT DISTINCT key FROM metrics WHERE run_id = ? AND phase = 'train'",
      runId,
    );
    for (const k of ['d_loss', 'g_loss', 'g_neg_cos', 'd_magp'])
      assert.ok(
        keys.some((x) => x.key === k),
        `metric ${k}`,
      );
    const out = path.join(dir, 'red.png');
    const s = scg(['sample', runId, '--text', 'a large red circle', '--n', '2', '--out', out, '--db', db]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal((await sharp(out).metadata()).format, 'png');
  });

  it('trains data-parallel on wasm: each worker thread loads the folder and tokenizes its rows', () => {
    const db = path.join(dir, 'wasm.db');
    const r = scg([
      'run',
      TINY_CONFIG,
      ...sets(clip, db),
      '--set',
      'runtime.backend=wasm',
      '--set',
      'runtime.threads=2',
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /data-parallel over 2 threads/);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    const losses = query<{value: number}>(
      db,
      "SELECT value FROM metrics WHERE run_id = ? AND key = 'g_neg_cos'",
      runId,
    );
    assert.ok(losses.length > 0 && losses.every((l) => Number.isFinite(l.value)));
  });

  it('a layer index past the CLIP model, or a folder without merges.txt, is exit 2 before any store exists', () => {
    const db = path.join(dir, 'bad.db');
    const deep = scg(['run', TINY_CONFIG, ...sets(clip, db), '--set', 'backbone.featureLayers=[1, 4, 8]']);
    assert.equal(deep.status, 2, deep.stderr);
    assert.match(
      deep.stderr,
      /backbone\.featureLayers: \[1,4,8\] must be increasing layer indices below the CLIP image encoder's 3 layers/,
    );
    const broken = path.join(dir, 'broken');
    writeTinyClip(broken);
    fs.rmSync(path.join(broken, 'merges.txt'));
    const missing = scg(['run', TINY_CONFIG, ...sets(broken, db)]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /encoders\.path: .*merges\.txt does not exist/);
    assert.equal(fs.existsSync(db), false, 'no store');
  });
});
