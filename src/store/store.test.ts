import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import {spawn} from 'node:child_process';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import Database from 'better-sqlite3';
import {STORE_KINDS, freshStore} from '../../test/postgres-cluster';
import {ScgError} from '../errors';
import {MIGRATIONS} from './migrations';
import {PostgresDb, WRITE_LOCK} from './postgres-db';
import {Store} from './store';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-store-')), 'experiments.db');

const TABLES = [
  'artifacts',
  'checkpoints',
  'experiments',
  'metrics',
  'params',
  'protocols',
  'runs',
  'sweep_cells',
  'sweep_failures',
  'sweeps',
];

describe('store (sqlite)', () => {
  it('migrates a new file to the latest user_version with WAL and the documented tables', () => {
    const file = tmpDb();
    const store = Store.open(file);
    assert.equal(store.version, MIGRATIONS.length);
    assert.equal((store.db as Database.Database).pragma('journal_mode', {simple: true}), 'wal');
    const tables = (
      store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {name: string}[]
    ).map((r) => r.name);
    assert.deepEqual(tables, TABLES);
    store.close();
    // Reopening runs nothing again and keeps data.
    const again = Store.open(file);
    assert.equal(again.version, MIGRATIONS.length);
    again.close();
  });

  it('refuses a database from a newer scg', () => {
    const file = tmpDb();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => Store.open(file), /newer than this scg/);
  });
});

if (STORE_KINDS.includes('postgres'))
  describe('store (postgres)', () => {
    it('migrates a new database under the write lock, records the version, and refuses a newer schema untouched', () => {
      const url = freshStore('postgres');
      assert.equal(Store.openIfExists(url), undefined, 'a database without the schema is not a store, and stays empty');
      const store = Store.open(url);
      assert.equal(store.version, MIGRATIONS.length);
      const tables = (
        store.db
          .prepare(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
          )
          .all() as {name: string}[]
      ).map((r) => r.name);
      assert.deepEqual(tables, [...TABLES, 'scg_schema'].sort());
      store.db.prepare('UPDATE scg_schema SET version = ?').run(MIGRATIONS.length + 1);
      store.close();
      assert.throws(
        () => Store.open(url),
        (err) =>
          err instanceof ScgError &&
          err.code === 'BAD_INPUT' &&
          new RegExp(`schema version ${MIGRATIONS.length + 1}, newer than this scg \\(${MIGRATIONS.length}\\)`).test(
            err.message,
          ),
      );
    });

    it('a worker that waited for the write lock while another created the schema sees it, instead of creating it twice', async () => {
      // The exact interleaving of workers starting at once, made deterministic: this test holds the write lock, a
      // child opens the store (reads "no schema", then queues for the lock), and only then is the schema committed.
      const url = freshStore('postgres');
      const holder = new PostgresDb(url);
      holder.exec('BEGIN');
      holder.prepare(`SELECT pg_advisory_xact_lock(${WRITE_LOCK})`).get();
      const child = spawn(
        process.execPath,
        ['-e', `require(${JSON.stringify(path.join(__dirname, 'store'))}).Store.open(process.argv[1]).close()`, url],
        {stdio: ['ignore', 'ignore', 'pipe']},
      );
      try {
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
        // Waiters on this database's advisory locks (the cluster may serve other tests' databases at once).
        const waiting = () =>
          (
            holder
              .prepare(
                "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
              )
              .get() as {n: number}
          ).n;
        for (let i = 0; i < 300 && waiting() === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(waiting(), 1, 'the child queued for the write lock');
        holder.exec('CREATE TABLE scg_schema (version INTEGER NOT NULL)');
        holder.exec('INSERT INTO scg_schema (version) VALUES (0)');
        holder.exec('COMMIT');
        assert.equal(await exited, 0, stderr);
      } finally {
        child.kill(); // a no-op once it exited; otherwise it must not outlive a failed test
        holder.close();
      }
      const store = Store.open(url);
      assert.equal(store.version, MIGRATIONS.length);
      assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM scg_schema').get() as {n: number}).n, 1);
      store.close();
    });

    it('names the server and the reason when it cannot connect, without the password', () => {
      assert.throws(
        () => Store.open('postgresql://scg:secret@127.0.0.1:1/nothing'),
        (err) =>
          err instanceof ScgError &&
          err.code === 'BAD_INPUT' &&
          /cannot connect to the PostgreSQL store postgresql:\/\/scg:\*\*\*@127\.0\.0\.1:1\/nothing: .+/.test(
            err.message,
          ) &&
          !err.message.includes('secret'),
      );
    });
  });

for (const kind of STORE_KINDS)
  describe(`store rows (${kind})`, () => {
    it('records runs, params, metrics and checkpoints, and finds runs by hash and prefix', () => {
      const store = Store.open(freshStore(kind));
      const run = store.createRun({
        id: 'abc123',
        experiment: 'e',
        configHash: 'abc123',
        attempt: 1,
        configJson: '{}',
        seed: 0,
        runDir: '/tmp/x',
        gitCommit: null,
        gitDirty: null,
        versions: {scg: '0'},
        backend: 'wasm',
        host: 'h',
        params: {'a.b': 1, c: [1, 2]},
      });
      assert.equal(run.status, 'running');
      store.addMetrics(run.id, [
        {phase: 'pretrain', key: 'loss', step: 1, value: 2, wall_time: 0},
        {phase: 'pretrain', key: 'loss', step: 2, value: 1, wall_time: 0},
      ]);
      store.truncateMetrics(run.id, 'pretrain', 1);
      assert.deepEqual(
        store.metrics(run.id).map((m) => m.step),
        [1],
      );
      store.addCheckpoint(run.id, 'pretrain', 1, '/tmp/x/p.ckpt', 'f'.repeat(64), 10);
      assert.equal(store.latestCheckpoint(run.id, 'pretrain')!.step, 1);
      assert.equal(store.latestByHash('abc123')!.id, 'abc123');
      assert.equal(store.findRun('abc1')!.id, 'abc123');
      assert.throws(() => store.findRun('abc'), /too short to look up: give the full id or at least 4/);
      assert.throws(() => store.findRun(''), /too short/);
      assert.equal(store.findRun('%%%%'), undefined, 'LIKE wildcards are literal');
      assert.equal(store.findRun('ab_1'), undefined);
      assert.equal(store.findRun('abc\\'), undefined);
      assert.deepEqual(store.db.prepare('SELECT key, value FROM params WHERE run_id = ? ORDER BY key').all(run.id), [
        {key: 'a.b', value: '1'},
        {key: 'c', value: '[1,2]'},
      ]);
      store.deleteRun(run.id);
      assert.equal(store.metrics(run.id).length, 0, 'cascade');
      store.close();
    });
  });

describe('store migrations', () => {
  it('upgrades a version-1 database in place, keeping its rows', () => {
    const file = tmpDb();
    const db = new Database(file);
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO experiments (name, created_at) VALUES ('e', 'now')").run();
    db.prepare(
      "INSERT INTO runs (id, experiment_id, config_hash, status, config_json, seed, run_dir, created_at) VALUES ('r', 1, 'r', 'completed', '{}', 0, '/x', 'now')",
    ).run();
    db.prepare(
      "INSERT INTO metrics (run_id, phase, key, step, value, wall_time) VALUES ('r', 'pretrain', 'loss', 1, 2, 0)",
    ).run();
    db.close();
    const store = Store.open(file);
    assert.equal(store.version, MIGRATIONS.length);
    assert.deepEqual(
      store.metrics('r').map((m) => [m.key, m.value, m.protocol_id]),
      [['loss', 2, null]],
    );
    const protocol = {
      evaluator: 'builtin',
      weightsSha256: 'x',
      nGenerated: 10,
      nReal: 5,
      resolution: 16,
      split: 'test',
      seed: 0,
      details: {},
    };
    const id = store.protocolId(protocol);
    assert.equal(store.protocolId({...protocol, details: {a: 1}}), id, 'details are not identity');
    const paper = store.protocolId({...protocol, preset: 'paper-cub', details: {preset: 'paper-cub'}});
    assert.notEqual(paper, id, 'a paper protocol is another protocol (its R-precision differs)');
    store.close();
  });
});
