// Shared pretraining end to end: `scg run --share-pretraining` takes a stored run's encoders when the pretraining
// config matches, pretrains itself when it does not, and waits for an earlier run that is pretraining them now.
import {strict as assert} from 'node:assert';
import {spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import {loadConfig} from '../src/config/load';
import {readCheckpoint} from '../src/core/checkpoint';
import {hostName} from '../src/core/host';
import {configHash} from '../src/core/identity';
import {Store} from '../src/store/store';
import {query, scg} from './cli-support';
import {start, waitFor} from './faults/harness';
import {TINY_CONFIG} from './tiny';

const GAN = ['--set', 'phases=[pretrain, train]'];

function run(db: string, sets: string[], share: boolean): {runId: string; stderr: string} {
  const r = scg(['run', TINY_CONFIG, '--db', db, ...GAN, ...sets, ...(share ? ['--share-pretraining'] : []), '--json']);
  assert.equal(r.status, 0, r.stderr);
  return {runId: (JSON.parse(r.stdout) as {runId: string}).runId, stderr: r.stderr};
}

const pretrainMetrics = (db: string, id: string) =>
  query<{key: string; step: number; value: number}>(
    db,
    "SELECT key, step, value FROM metrics WHERE run_id = ? AND phase = 'pretrain' ORDER BY key, step",
    id,
  );

const param = (db: string, id: string) =>
  query<{value: string}>(db, "SELECT value FROM params WHERE run_id = ? AND key = 'shared.pretrainFrom'", id)[0]?.value;

describe('shared pretraining', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-shared-'));
  const db = path.join(dir, 'experiments.db');
  let donor = '';

  before(() => {
    donor = run(db, [], false).runId;
  });

  it('a run that differs only after pretraining takes the stored encoders and metrics, and trains its GAN on them', () => {
    const {runId, stderr} = run(db, ['--set', 'train.lrG=0.001'], true);
    assert.notEqual(runId, donor);
    assert.match(stderr, new RegExp(`pretrain: shared with run ${donor}`));
    assert.equal(param(db, runId), JSON.stringify(donor));
    const mine = pretrainMetrics(db, runId);
    assert.ok(mine.length > 0);
    assert.deepEqual(mine, pretrainMetrics(db, donor), 'the donor pretraining metrics, copied');
    const ckpt = (id: string) =>
      query<{path: string; sha256: string}>(
        db,
        "SELECT path, sha256 FROM checkpoints WHERE run_id = ? AND phase = 'pretrain' ORDER BY step DESC LIMIT 1",
        id,
      )[0]!;
    const load = (id: string) => readCheckpoint(path.resolve(dir, ckpt(id).path), ckpt(id).sha256);
    const [a, b] = [load(donor), load(runId)];
    assert.equal(b.header.runId, runId, "the copy is the new run's checkpoint");
    assert.equal(b.header.step, 3);
    assert.deepEqual([...b.tensors.keys()], [...a.tensors.keys()]);
    for (const [name, t] of a.tensors) assert.deepEqual(b.tensors.get(name)!.values, t.values, name);
    const steps = query<{n: number}>(
      db,
      "SELECT COUNT(*) AS n FROM metrics WHERE run_id = ? AND phase = 'train' AND key = 'g_loss'",
      runId,
    )[0]!.n;
    assert.equal(steps, 2, 'its own GAN phase ran');
  });

  it('another seed has another pretraining: the run trains its own', () => {
    const {runId, stderr} = run(db, ['--set', 'seed=1'], true);
    assert.doesNotMatch(stderr, /shared with run/);
    assert.equal(param(db, runId), undefined);
    assert.notDeepEqual(pretrainMetrics(db, runId), pretrainMetrics(db, donor));
  });

  it('a donor whose checkpoint is gone is passed over, saying why, and the run pretrains itself', () => {
    const gone = run(db, ['--set', 'seed=3'], false).runId;
    const files = query<{path: string}>(
      db,
      "SELECT path FROM checkpoints WHERE run_id = ? AND phase = 'pretrain'",
      gone,
    );
    for (const f of files) fs.rmSync(path.resolve(dir, f.path));
    const {runId, stderr} = run(db, ['--set', 'seed=3', '--set', 'train.lrG=0.001'], true);
    assert.match(stderr, new RegExp(`run ${gone} has the same pretraining, but checkpoint .* is missing`));
    assert.equal(param(db, runId), undefined);
    assert.equal(pretrainMetrics(db, runId).filter((m) => m.key === 'loss').length, 3);
  });

  it('waits for an earlier run that is pretraining the same encoders, and trains its own once that run is gone', async () => {
    // A stand-in for a run being pretrained by another live process (seed 2, no checkpoint yet).
    const sleeper = spawn('sleep', ['60'], {stdio: 'ignore'});
    const {config} = loadConfig(TINY_CONFIG, ['phases=[pretrain, train]', 'seed=2', 'train.lrG=0.003']);
    const store = Store.open(db);
    const id = configHash(config);
    store.createRun({
      id,
      experiment: config.name,
      configHash: id,
      attempt: 1,
      configJson: JSON.stringify(config),
      seed: 2,
      runDir: path.join(dir, 'runs', id),
      gitCommit: null,
      gitDirty: null,
      versions: {},
      backend: 'wasm',
      host: hostName(),
      params: {},
    });
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(sleeper.pid, id);
    store.close();
    const waiter = start(['run', TINY_CONFIG, '--db', db, ...GAN, '--set', 'seed=2', '--share-pretraining']);
    await waitFor('the waiting line', () => waiter.stderr().includes(`waiting for run ${id}`), 60);
    sleeper.kill('SIGKILL');
    const exit = await waiter.exit;
    assert.equal(exit.code, 0, waiter.stderr());
    assert.doesNotMatch(waiter.stderr(), /shared with run/);
    const own = query<{id: string}>(db, 'SELECT id FROM runs WHERE seed = 2 AND id != ?', id)[0]!.id;
    assert.equal(param(db, own), undefined, 'it pretrained itself');
    assert.equal(pretrainMetrics(db, own).filter((m) => m.key === 'loss').length, 3);
  });
});
