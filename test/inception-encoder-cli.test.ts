// End to end: DAMSM pretraining and the GAN phase on AttnGAN's frozen Inception-v3 image encoder, data-parallel on
// wasm (worker threads load the trunk too); sampling refuses a trunk other than the one pretraining used.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {query, scg} from './cli-support';
import {TINY_CONFIG} from './tiny';
import {saveTinyInception} from './tiny-inception';

describe('encoders.imageEncoder: inception-v3 end to end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-incv3-cli-'));
  const db = path.join(dir, 'experiments.db');
  const trunk = path.join(dir, 'inception');
  const sets = (p: string) => [
    '--set',
    'encoders.imageEncoder=inception-v3',
    '--set',
    `encoders.inceptionPath=${p}`,
    '--set',
    'phases=[pretrain, train]',
  ];

  it('pretrains the projections, trains the GAN through the trunk, and refuses to sample on other trunk files', async () => {
    await saveTinyInception(trunk);
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      ...sets(trunk),
      '--set',
      'runtime.threads=2',
      '--set',
      'runtime.backend=wasm',
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /pretrain: data-parallel over 2 threads/);
    assert.match(r.stderr, /data-parallel over 2 threads, \d+ images/);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    const rows = query<{phase: string; key: string}>(
      db,
      'SELECT DISTINCT phase, key FROM metrics WHERE run_id = ?',
      runId,
    ).map((m) => `${m.phase}/${m.key}`);
    for (const k of ['pretrain/damsm_word', 'pretrain/damsm_sentence', 'train/g_loss', 'train/g_damsm_word'])
      assert.ok(rows.includes(k), `metric ${k} in ${rows.join(', ')}`);
    const out = path.join(dir, 'red.png');
    const s = scg(['sample', runId, '--text', 'a large red circle', '--n', '2', '--out', out, '--db', db]);
    assert.equal(s.status, 0, s.stderr);
    await saveTinyInception(trunk, 2);
    const changed = scg(['sample', runId, '--text', 'a red circle', '--out', out, '--db', db]);
    assert.equal(changed.status, 2, changed.stderr);
    assert.match(changed.stderr, /encoders\.inceptionPath: the frozen weights differ from the ones pretraining used/);
  });

  it('a trunk folder that is not there is exit 2 before any store or run row exists', () => {
    const db2 = path.join(dir, 'other.db');
    const r = scg(['run', TINY_CONFIG, '--db', db2, ...sets(path.join(dir, 'nope'))]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /encoders\.inceptionPath: .*nope\/model\.json does not exist/);
    assert.equal(fs.existsSync(db2), false, 'no store either');
  });
});
