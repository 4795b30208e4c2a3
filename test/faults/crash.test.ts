// Fault suite, crashes: kill -9 during pretraining, inside a checkpoint write and during the GAN phase, then
// damaged checkpoints; the resumed run must hold exactly the metrics of an uninterrupted one.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import {freshStore, STORE_KINDS} from '../postgres-cluster';
import {TINY_CONFIG} from '../tiny';
import {filesMatching, killWhen, query, sameMetrics, scg, tmpDir, trainingMetrics} from './harness';

// logEvery 10 with checkpoints every 2 steps: the buffered metrics a checkpoint covers are not yet flushed by
// the logging schedule when it is written.
const PRETRAIN = ['--set', 'pretrain.steps=40', '--set', 'pretrain.checkpointEvery=2', '--set', 'pretrain.logEvery=10'];
const GAN = [
  '--set',
  'phases=[pretrain, train]',
  '--set',
  'pretrain.steps=4',
  '--set',
  'train.steps=30',
  '--set',
  'train.checkpointEvery=2',
  '--set',
  'train.logEvery=10',
];

/** Runs a config uninterrupted in its own store and returns that store. */
function reference(tag: string, sets: string[]): string {
  const db = path.join(tmpDir(tag), 'experiments.db');
  const r = scg(['run', TINY_CONFIG, ...sets, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return db;
}

describe('fault suite: crashes lose nothing before the last checkpoint', () => {
  let pretrainRef: string;
  before(() => {
    pretrainRef = reference('ref', PRETRAIN);
  });

  for (const kind of STORE_KINDS)
    it(`kill -9 during pretraining (${kind} store): listed as stale; the rerun resumes and every metric step is there once, as uninterrupted`, async () => {
      const dir = tmpDir('pre');
      const db = kind === 'sqlite' ? path.join(dir, 'experiments.db') : freshStore('postgres');
      const env = kind === 'sqlite' ? {} : {SCG_ARTIFACTS: dir};
      await killWhen(db, [TINY_CONFIG, ...PRETRAIN], /^pretrain-0000004\.ckpt$/, env);
      const listed = scg(['runs', 'list', '--db', db, '--json'], env);
      assert.equal(
        (JSON.parse(listed.stdout) as {status: string}[])[0]!.status,
        'stale',
        'a dead process is not shown as running',
      );
      const latest = query<{step: number}>(db, 'SELECT MAX(step) AS step FROM checkpoints')[0]!.step;
      const covered = query<{n: number}>(
        db,
        "SELECT COUNT(*) AS n FROM metrics WHERE key = 'loss' AND step <= ?",
        latest,
      )[0]!.n;
      assert.equal(covered, latest, `the checkpoint at step ${latest} is not ahead of its metrics`);
      const again = scg(['run', TINY_CONFIG, ...PRETRAIN, '--db', db], env);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stderr, /resuming run \w+ \(was running at pretrain step \d+\)/);
      assert.doesNotMatch(again.stderr, /passing over|missing|sha256/, 'the checkpoint was found where the store says');
      assert.equal(sameMetrics(trainingMetrics(db), trainingMetrics(pretrainRef)), undefined);
      assert.deepEqual(query(db, 'SELECT status FROM runs'), [{status: 'completed'}]);
    });

  it('kill -9 inside a checkpoint write (slowed by an injected pause): the temp file is removed on resume, nothing else lost', async () => {
    const db = path.join(tmpDir('write'), 'experiments.db');
    const tmp = await killWhen(db, [TINY_CONFIG, ...PRETRAIN], /^pretrain-0000004\.ckpt\.tmp-\d+$/, {
      SCG_TEST_WRITE_DELAY_MS: '1500',
    });
    assert.ok(fs.existsSync(tmp), 'the half-written temp file is left by the kill');
    assert.ok(!fs.existsSync(tmp.replace(/\.tmp-\d+$/, '')), 'the checkpoint itself never appeared half-written');
    const again = scg(['run', TINY_CONFIG, ...PRETRAIN, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    assert.ok(again.stderr.includes(`removed ${tmp}, left by a writer that is gone`), again.stderr);
    assert.deepEqual(filesMatching(path.join(path.dirname(db), 'runs'), /\.tmp-\d+$/), []);
    assert.equal(sameMetrics(trainingMetrics(db), trainingMetrics(pretrainRef)), undefined);
  });

  it('kill -9 during the GAN phase: the rerun resumes the GAN phase and its metrics equal an uninterrupted run', async () => {
    const ref = reference('gan-ref', GAN);
    const db = path.join(tmpDir('gan'), 'experiments.db');
    await killWhen(db, [TINY_CONFIG, ...GAN], /^train-0000004\.ckpt$/);
    const again = scg(['run', TINY_CONFIG, ...GAN, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /train: starting at step \d+ of 30/);
    assert.equal(sameMetrics(trainingMetrics(db), trainingMetrics(ref)), undefined);
  });

  it('a corrupt or missing latest checkpoint: the rerun passes over it to the newest intact one, saying so', async () => {
    for (const damage of ['flip', 'delete'] as const) {
      const db = path.join(tmpDir(`ckpt-${damage}`), 'experiments.db');
      await killWhen(db, [TINY_CONFIG, ...PRETRAIN], /^pretrain-0000006\.ckpt$/);
      const rows = query<{step: number; path: string}>(db, 'SELECT step, path FROM checkpoints ORDER BY step');
      const latest = rows.at(-1)!;
      if (damage === 'flip') {
        const bytes = fs.readFileSync(latest.path);
        bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
        fs.writeFileSync(latest.path, bytes);
      } else fs.rmSync(latest.path);
      const again = scg(['run', TINY_CONFIG, ...PRETRAIN, '--db', db]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(
        again.stderr,
        damage === 'flip'
          ? /is corrupt: sha256 .*; passing over it/
          : /cannot be read \(it is missing\); passing over it/,
      );
      assert.match(again.stderr, new RegExp(`resuming from the intact checkpoint at step ${rows.at(-2)!.step}`));
      assert.equal(sameMetrics(trainingMetrics(db), trainingMetrics(pretrainRef)), undefined, damage);
      assert.deepEqual(query(db, 'SELECT status FROM runs'), [{status: 'completed'}]);
    }
  });

  it('bad input met after training started (a missing evaluator file) is exit 2 and leaves the run resumable, not failed', () => {
    const db = path.join(tmpDir('late'), 'experiments.db');
    const sets = [
      '--set',
      'phases=[pretrain, train, eval]',
      '--set',
      'eval.evaluator=inception-v3',
      '--set',
      `eval.inceptionPath=${path.dirname(db)}/no-inception`,
    ];
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = scg(['run', TINY_CONFIG, ...sets, '--db', db]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /eval\.inceptionPath: .*no-inception\/model\.json does not exist/);
      const [run] = query<{status: string; error: string}>(db, 'SELECT status, error FROM runs');
      assert.equal(run!.status, 'interrupted', `attempt ${attempt}`);
      assert.match(run!.error, /no-inception/);
    }
    assert.ok(
      query<{n: number}>(db, "SELECT COUNT(*) AS n FROM checkpoints WHERE phase = 'train'")[0]!.n > 0,
      'the trained GAN is kept',
    );
  });
});
