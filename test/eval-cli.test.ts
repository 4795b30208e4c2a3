// End-to-end evaluation: a tiny [pretrain, train, eval] run, then `scg eval` under another protocol.
import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import Database from 'better-sqlite3';
import {encodeSafetensors} from '../src/core/safetensors';
import {randomFidInceptionTensors} from '../src/registry/evaluators/fid-inception/random-weights';
import {TINY_CONFIG, TINY_EVAL_SETS} from './tiny';

const BIN = path.resolve(__dirname, '../../bin/run.js');
const scg = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, SCG_DB: ''}});

describe('evaluation end to end', () => {
  it('the eval phase and scg eval store FID, IS and R-precision, each linked to its protocol', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-eval-'));
    const db = path.join(dir, 'experiments.db');
    const sets = TINY_EVAL_SETS;
    const r = scg(['run', TINY_CONFIG, '--db', db, ...sets, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /evaluator builtin: test accuracy/);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    const e = scg(['eval', runId, '--db', db, '--samples', '16', '--json']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stderr, /cached weights/, 'the evaluator is trained once and cached');
    const conn = new Database(db, {readonly: true});
    const rows = conn
      .prepare(
        "SELECT key, step, value, protocol_id FROM metrics WHERE run_id = ? AND phase = 'eval' ORDER BY protocol_id, key",
      )
      .all(runId) as {key: string; step: number; value: number; protocol_id: number | null}[];
    const protocols = conn
      .prepare('SELECT id, evaluator, n_generated, n_real, resolution, split, details_json FROM protocols ORDER BY id')
      .all() as {id: number; n_generated: number; n_real: number; resolution: number; details_json: string}[];
    conn.close();
    assert.deepEqual(
      protocols.map((p) => p.n_generated),
      [12, 16],
    );
    assert.ok(protocols.every((p) => p.resolution === 16 && p.n_real > 0));
    assert.equal(typeof (JSON.parse(protocols[0]!.details_json) as {testAccuracy: number}).testAccuracy, 'number');
    // per protocol: FID, IS mean and std, R-precision, and label accuracy (fakes, real images, shape, colour)
    assert.equal(rows.length, 16);
    assert.ok(
      rows.every((m) => m.protocol_id !== null && m.step === 2 && Number.isFinite(m.value)),
      'every metric links to a protocol',
    );
    assert.deepEqual([...new Set(rows.map((m) => m.key))].sort(), [
      'colour_acc',
      'fid',
      'is_mean',
      'is_std',
      'label_acc',
      'label_acc_real',
      'r_precision',
      'shape_acc',
    ]);
    const again = scg(['eval', runId, '--db', db, '--samples', '16']);
    assert.equal(again.status, 0);
    const conn2 = new Database(db, {readonly: true});
    assert.equal(
      (conn2.prepare("SELECT COUNT(*) AS n FROM metrics WHERE phase = 'eval'").get() as {n: number}).n,
      16,
      're-evaluating replaces, never duplicates',
    );
    conn2.close();
    assert.equal(scg(['eval', runId, '--db', db, '--evaluator', 'inceptoin']).status, 2);
    // pytorch-fid's network as the evaluator of a run (random weights with the real names: the real file is
    // not reachable here), and a paper protocol the run's dataset cannot meet
    const weights = path.join(dir, 'fid.safetensors');
    fs.writeFileSync(weights, encodeSafetensors(randomFidInceptionTensors(2)));
    const f = scg([
      'eval',
      runId,
      '--db',
      db,
      '--samples',
      '8',
      '--evaluator',
      'fid-inception',
      '--fid-inception-path',
      weights,
      '--json',
    ]);
    assert.equal(f.status, 0, f.stderr);
    const fr = JSON.parse(f.stdout) as {
      protocol: {evaluator: string; nGenerated: number};
      metrics: Record<string, number>;
    };
    assert.deepEqual([fr.protocol.evaluator, fr.protocol.nGenerated], ['fid-inception', 8]);
    assert.ok(Number.isFinite(fr.metrics['fid']) && fr.metrics['is_mean']! >= 1);
    const p = scg(['eval', runId, '--db', db, '--protocol', 'paper-cub', '--fid-inception-path', weights]);
    assert.equal(p.status, 2);
    assert.match(
      p.stderr,
      /under --protocol paper-cub: eval\.protocol: eval\.protocol paper-cub evaluates as the papers do on cub, but dataset is 'shapes'/,
    );
  });
});
