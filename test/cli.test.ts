// End-to-end: the scg binary as a user runs it, in child processes against a temporary store.
import {strict as assert} from 'node:assert';
import {spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import sharp from 'sharp';
import {readCheckpoint} from '../src/core/checkpoint';
import {TINY_CONFIG} from './tiny';
import {BIN, query, scg} from './cli-support';
import {BEST_BACKEND} from './support';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-cli-')), 'experiments.db');

describe('scg CLI', () => {
  it('run: a tiny config completes with metrics rows and a verified checkpoint; a rerun reuses it', () => {
    const db = tmpDb();
    const r = scg(['run', TINY_CONFIG, '--db', db, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {runId: string; status: string; action: string; backend: string};
    assert.equal(result.status, 'completed');
    assert.equal(result.backend, BEST_BACKEND, 'auto picks torch where its addon is built, else wasm');
    assert.match(r.stderr, new RegExp(`backend: ${BEST_BACKEND}`));
    const metrics = query<{n: number}>(
      db,
      "SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND key = 'loss'",
      result.runId,
    );
    assert.equal(metrics[0]!.n, 3);
    const ckpts = query<{path: string; sha256: string; step: number}>(
      db,
      'SELECT path, sha256, step FROM checkpoints WHERE run_id = ? ORDER BY step',
      result.runId,
    );
    assert.deepEqual(
      ckpts.map((c) => c.step),
      [2, 3],
    );
    assert.equal(readCheckpoint(ckpts[1]!.path, ckpts[1]!.sha256).header.step, 3);
    const again = scg(['run', TINY_CONFIG, '--db', db, '--json']);
    assert.equal(JSON.parse(again.stdout).action, 'reused');
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 1);
    const forced = scg(['run', TINY_CONFIG, '--db', db, '--json', '--force']);
    assert.equal(JSON.parse(forced.stdout).runId, `${result.runId}-2`);
  });

  it('bad config: exit 2 with file, line and hint, and no run row or folder', () => {
    const db = tmpDb();
    assert.equal(scg(['run', TINY_CONFIG, '--db', db, '--json']).status, 0);
    const bad = path.join(path.dirname(db), 'bad.yaml');
    fs.writeFileSync(bad, 'name: bad\ncontrastive:\n  temperature: -1\n');
    const r = scg(['run', bad, '--db', db]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml:3:3: contrastive\.temperature: must be > 0, but found -1/);
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 1);
    assert.equal(fs.readdirSync(path.join(path.dirname(db), 'runs')).length, 1);
    const setBad = scg(['run', TINY_CONFIG, '--db', db, '--set', 'pretrain.stepz=3']);
    assert.equal(setBad.status, 2);
    assert.match(setBad.stderr, /did you mean `steps`/);
    const fresh = tmpDb();
    assert.equal(scg(['run', bad, '--db', fresh]).status, 2);
    assert.ok(!fs.existsSync(fresh), 'no store is created for a bad config');
  });

  it('SIGINT: checkpoint, status interrupted, exit 130; the same command resumes at that step', async () => {
    const db = tmpDb();
    const args = [
      BIN,
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'pretrain.steps=40',
      '--set',
      'pretrain.checkpointEvery=100',
    ];
    const child = spawn(process.execPath, args, {env: {...process.env, SCG_DB: ''}});
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/pretrain 3\/40/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    const [run] = query<{id: string; status: string}>(db, 'SELECT id, status FROM runs');
    assert.equal(run!.status, 'interrupted');
    const [ckpt] = query<{step: number}>(db, 'SELECT step FROM checkpoints WHERE run_id = ?', run!.id);
    assert.ok(ckpt!.step >= 3 && ckpt!.step < 40, `checkpoint at ${ckpt!.step}`);
    const resumed = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'pretrain.steps=40',
      '--set',
      'pretrain.checkpointEvery=100',
    ]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming run/);
    assert.match(resumed.stderr, new RegExp(`pretrain: starting at step ${ckpt!.step} of 40`));
    const steps = query<{step: number}>(
      db,
      "SELECT step FROM metrics WHERE run_id = ? AND key = 'loss' ORDER BY step",
      run!.id,
    ).map((r) => r.step);
    assert.deepEqual(
      steps,
      Array.from({length: 40}, (_, i) => i + 1),
      'each step logged exactly once',
    );
    assert.equal(query<{status: string}>(db, 'SELECT status FROM runs')[0]!.status, 'completed');
  });

  it('a non-finite loss fails the run (exit 1) naming the loss and step, and keeps the last good checkpoint', () => {
    const db = tmpDb();
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'pretrain.lr=1e30',
      '--set',
      'pretrain.clipNorm=1e30',
      '--set',
      'pretrain.steps=6',
      '--set',
      'pretrain.checkpointEvery=1',
    ]);
    assert.equal(r.status, 1, r.stderr);
    const [run] = query<{status: string; error: string}>(db, 'SELECT status, error FROM runs');
    assert.equal(run!.status, 'failed');
    assert.match(run!.error, /^loss \w+ is NaN at pretrain step (\d+); the last good checkpoint \(step \d+\) is kept$/);
    const failedAt = Number(/step (\d+);/.exec(run!.error)![1]);
    const ckpts = query<{step: number}>(db, 'SELECT step FROM checkpoints ORDER BY step').map((c) => c.step);
    assert.equal(Math.max(...ckpts), failedAt - 1, 'no checkpoint of the failed step');
  });

  it('--set backbone=<entry> switches the backbone with its defaults and trains', () => {
    const db = tmpDb();
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--json',
      '--set',
      'backbone=ssagan',
      '--set',
      'backbone.width=4',
      '--set',
      'backbone.dWidth=4',
      '--set',
      'backbone.zDim=8',
      '--set',
      'backbone.maskWidth=8',
      '--set',
      'phases=[pretrain, train]',
      '--set',
      'train.steps=2',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [run] = query<{config_json: string; status: string}>(db, 'SELECT config_json, status FROM runs');
    assert.equal(run!.status, 'completed');
    assert.deepEqual(JSON.parse(run!.config_json).backbone, {
      name: 'ssagan',
      width: 4,
      dWidth: 4,
      zDim: 8,
      maskWidth: 8,
      residualGate: 'learned',
      lambdaDamsm: 0.05,
      damsmGamma1: 5,
      damsmGamma2: 5,
      damsmGamma3: 10,
      maGpWeight: 2,
      maGpPower: 6,
      maGpStep: 'separate',
      ema: 0,
    });
  });

  it('validate, list, doctor and runs commands answer, with --json', () => {
    const v = scg(['validate', TINY_CONFIG, '--json']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(JSON.parse(v.stdout).config.encoders.embedDim, 8);
    assert.deepEqual(Object.keys(JSON.parse(scg(['list', '--json']).stdout)), [
      'datasets',
      'backbones',
      'contrastive',
      'encoders',
      'evaluators',
    ]);
    assert.equal(scg(['list', 'backbone']).status, 2);
    const doctor = JSON.parse(scg(['doctor', '--json']).stdout) as {backend: {name: string}};
    assert.equal(doctor.backend.name, BEST_BACKEND);
    const db = tmpDb();
    const missing = scg(['runs', 'list', '--db', db]);
    assert.equal(missing.status, 2, 'a missing store is reported, not created');
    assert.match(missing.stderr, /no store at/);
    scg(['run', TINY_CONFIG, '--db', db]);
    const runs = JSON.parse(scg(['runs', 'list', '--db', db, '--json']).stdout) as {id: string}[];
    const shown = JSON.parse(scg(['runs', 'show', runs[0]!.id.slice(0, 6), '--db', db, '--json']).stdout) as {
      status: string;
      checkpoints: unknown[];
    };
    assert.equal(shown.status, 'completed');
    assert.equal(shown.checkpoints.length, 2);
    assert.equal(scg(['runs', 'show', 'nope', '--db', db]).status, 2);
  });

  it('data preview writes a PNG grid of the configured dataset', async () => {
    const out = path.join(path.dirname(tmpDb()), 'grid.png');
    const r = scg(['data', 'preview', TINY_CONFIG, '--out', out, '--n', '6', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const meta = await sharp(out).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [JSON.parse(r.stdout).width, JSON.parse(r.stdout).height]);
  });
});
