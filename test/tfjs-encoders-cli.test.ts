// End to end: GALIP on a CLIP-style dual encoder loaded from a folder, with no pretraining; sampling from the run.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import sharp from 'sharp';
import {useBestBackend} from './support';
import {query, scg} from './cli-support';
import {TINY_CONFIG, tinyBackbone} from './tiny';
import {saveTinyDualEncoder} from './tiny-dual-encoder';

describe('GAN phase on encoders loaded from a tfjs folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-tfjs-cli-'));
  const db = path.join(dir, 'experiments.db');
  const encoderDir = path.join(dir, 'clip');
  const vocab = [
    '<pad>',
    '<unk>',
    'a',
    'red',
    'green',
    'blue',
    'yellow',
    'circle',
    'square',
    'triangle',
    'cross',
    'small',
    'large',
  ];
  const sets = (p: string) => [
    '--set',
    tinyBackbone('galip'),
    '--set',
    `encoders={name: tfjs, path: ${p}}`,
    '--set',
    'phases=[train]',
  ];

  before(async () => {
    await useBestBackend();
    await saveTinyDualEncoder(encoderDir, {vocab, bridgeAfter: 'stem'});
  });

  it('trains galip without pretraining (data-parallel wasm workers load the folder too), and scg sample draws from it', async () => {
    // Data-parallel worker threads exist on wasm only (torch threads its own kernels).
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      ...sets(encoderDir),
      '--set',
      'runtime.threads=2',
      '--set',
      'runtime.backend=wasm',
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as {runId: string; status: string}).runId;
    assert.match(r.stderr, /frozen encoders from .*clip \(sha256 [0-9a-f]{12}\)/);
    assert.match(r.stderr, /the encoders do not know \d+ dataset word\(s\).*(there|this|shows)/);
    assert.match(r.stderr, /data-parallel over 2 threads/);
    const status = query<{status: string}>(db, 'SELECT status FROM runs WHERE id = ?', runId)[0]!.status;
    assert.equal(status, 'completed');
    const keys = query<{key: string}>(
      db,
      "SELECT DISTINCT key FROM metrics WHERE run_id = ? AND phase = 'train'",
      runId,
    ).map((k) => k.key);
    for (const k of ['d_loss', 'g_loss', 'g_neg_cos', 'contrastive']) assert.ok(keys.includes(k), `metric ${k}`);
    const out = path.join(dir, 'red.png');
    const s = scg(['sample', runId, '--text', 'a large red circle', '--n', '2', '--out', out, '--db', db]);
    assert.equal(s.status, 0, s.stderr);
    assert.equal((await sharp(out).metadata()).format, 'png');
    // Sampling later with other files at that path is refused: they are not the encoders the run trained with.
    await saveTinyDualEncoder(encoderDir, {vocab: [...vocab, 'box'], bridgeAfter: 'stem'});
    const changed = scg([
      'sample',
      runId,
      '--text',
      'a large red circle',
      '--out',
      path.join(dir, 'x.png'),
      '--db',
      db,
    ]);
    assert.equal(changed.status, 2);
    assert.match(changed.stderr, /changed since run .* used them/);
  });

  it('a folder that is not there is exit 2 before any store or run row exists', () => {
    const db2 = path.join(dir, 'other.db');
    const r = scg(['run', TINY_CONFIG, '--db', db2, ...sets(path.join(dir, 'nope'))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /encoders\.path: .*nope is not a folder/);
    assert.match(r.stderr, /docs\/encoders\.md/);
    assert.equal(fs.existsSync(db2), false, 'no store either');
  });
});
