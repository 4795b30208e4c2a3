// End-to-end GAN phase: a tiny [pretrain, train] run through the CLI, its artifacts, and `scg sample`.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import {gridLayout} from '../src/core/image-grid';
import {TINY_CONFIG} from './tiny';
import {scg} from './cli-support';

describe('GAN phase end to end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-gan-cli-'));
  const db = path.join(dir, 'experiments.db');
  let runId = '';

  before(() => {
    const r = scg(['run', TINY_CONFIG, '--db', db, '--set', 'phases=[pretrain, train]', '--json']);
    assert.equal(r.status, 0, r.stderr);
    runId = (JSON.parse(r.stdout) as {runId: string}).runId;
  });

  it('completes with per-step G, D and contrastive metrics and a sample-grid PNG artifact of the right size', async () => {
    const conn = new Database(db, {readonly: true});
    const status = conn.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as {status: string};
    assert.equal(status.status, 'completed');
    const keys = (
      conn.prepare("SELECT DISTINCT key FROM metrics WHERE run_id = ? AND phase = 'train'").all(runId) as {
        key: string;
      }[]
    ).map((r) => r.key);
    for (const k of [
      'd_loss',
      'd_real',
      'd_fake',
      'd_wrong',
      'g_loss',
      'g_adv_uncond',
      'g_adv_cond',
      'g_damsm_word',
      'g_damsm_sentence',
      'g_kl',
      'contrastive',
    ]) {
      assert.ok(keys.includes(k), `metric ${k}`);
    }
    // The class probe of the encoders, at each pretraining checkpoint (steps 2 and 3 of 3), as an accuracy.
    const probes = conn
      .prepare(
        "SELECT key, step, value FROM metrics WHERE run_id = ? AND phase = 'pretrain' AND key LIKE 'probe_%' ORDER BY key, step",
      )
      .all(runId) as {key: string; step: number; value: number}[];
    assert.deepEqual(
      probes.map((p) => `${p.key}@${p.step}`),
      ['probe_image_acc@2', 'probe_image_acc@3', 'probe_text_acc@2', 'probe_text_acc@3'],
    );
    for (const p of probes) assert.ok(p.value >= 0 && p.value <= 1, `${p.key} ${p.value}`);
    const steps = (
      conn
        .prepare("SELECT step FROM metrics WHERE run_id = ? AND phase = 'train' AND key = 'g_loss' ORDER BY step")
        .all(runId) as {step: number}[]
    ).map((r) => r.step);
    assert.deepEqual(steps, [1, 2]);
    // What a step costs: its wall time at every step; each phase's own peak memory (the high-water mark is reset when
    // the phase starts, Linux) within the process's peak so far.
    const cost = (phase: string, key: string) =>
      conn
        .prepare('SELECT step, value FROM metrics WHERE run_id = ? AND phase = ? AND key = ? ORDER BY step')
        .all(runId, phase, key) as {step: number; value: number}[];
    assert.deepEqual(
      cost('train', 'step_ms').map((r) => r.step),
      [1, 2],
    );
    for (const r of cost('train', 'step_ms')) assert.ok(r.value > 0 && r.value < 60_000, `step_ms ${r.value}`);
    // Live tensor bytes are counted by the torch backend on the CPU only.
    const backend = (conn.prepare('SELECT backend FROM runs WHERE id = ?').get(runId) as {backend: string}).backend;
    const tensors = cost('train', 'step_peak_tensor_mb');
    if (backend === 'torch') {
      assert.deepEqual(
        tensors.map((r) => r.step),
        [1, 2],
      );
      for (const r of tensors) assert.ok(r.value > 0.01 && r.value < 1000, `step_peak_tensor_mb ${r.value}`);
    } else assert.deepEqual(tensors, []);
    for (const phase of ['pretrain', 'train']) {
      const own = cost(phase, 'phase_peak_rss_mb');
      const all = cost(phase, 'peak_rss_mb');
      assert.ok(own.length > 0 && own.length === all.length, `${phase}: phase_peak_rss_mb beside every peak_rss_mb`);
      own.forEach((r, i) => assert.ok(r.value > 10 && r.value <= all[i]!.value, `${phase}: ${r.value} MB`));
    }
    const art = conn.prepare("SELECT path, step FROM artifacts WHERE run_id = ? AND kind = 'samples'").all(runId) as {
      path: string;
      step: number;
    }[];
    conn.close();
    assert.equal(art.length, 1);
    const meta = await sharp(art[0]!.path).metadata();
    const want = gridLayout(4, {res: 16, cellSize: 96, title: 'x'});
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', want.width, want.height]);
  });

  it('scg sample draws a PNG from the run and names unknown words', async () => {
    const out = path.join(dir, 'red.png');
    const r = scg([
      'sample',
      runId.slice(0, 8),
      '--text',
      'a large red zebra circle',
      '--n',
      '3',
      '--out',
      out,
      '--db',
      db,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /not in the run's vocabulary.*zebra/);
    const meta = await sharp(out).metadata();
    assert.deepEqual(
      [meta.width, meta.height],
      [
        gridLayout(3, {res: 16, cellSize: 96, title: 'x'}).width,
        gridLayout(3, {res: 16, cellSize: 96, title: 'x'}).height,
      ],
    );
  });

  it('scg sample rejects an empty text, an unknown run and a run without GAN checkpoint with exit 2', () => {
    const out = path.join(dir, 'x.png');
    const empty = scg(['sample', runId, '--text', '  ', '--out', out, '--db', db]);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--text is empty/);
    const unknown = scg(['sample', 'nope', '--text', 'a circle', '--out', out, '--db', db]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no run 'nope'/);
    const pre = scg(['run', TINY_CONFIG, '--db', db, '--json']);
    const preId = (JSON.parse(pre.stdout) as {runId: string}).runId;
    const noGan = scg(['sample', preId, '--text', 'a circle', '--out', out, '--db', db]);
    assert.equal(noGan.status, 2);
    assert.match(noGan.stderr, /no GAN \(train\) checkpoint/);
    assert.ok(!fs.existsSync(out));
  });

  it('a GAN run can take its encoders from another run (train.encodersFrom)', () => {
    const pre = scg(['run', TINY_CONFIG, '--db', db, '--json']);
    const preId = (JSON.parse(pre.stdout) as {runId: string}).runId;
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'phases=[train]',
      '--set',
      `train.encodersFrom=${preId}`,
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`frozen encoders from run ${preId}`));
    const bad = scg(['run', TINY_CONFIG, '--db', db, '--set', 'phases=[train]']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /needs pretrained encoders/);
  });
});
