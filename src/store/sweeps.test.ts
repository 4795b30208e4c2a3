// Sweep cells in the store (SQLite, and PostgreSQL where installed): atomic claims under 4 competing processes,
// takeover of dead workers, retries, spec changes.
import {strict as assert} from 'node:assert';
import {spawn} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {exitedPid} from '../../test/cli-support';
import {STORE_KINDS, freshStore} from '../../test/postgres-cluster';
import {ScgError} from '../errors';
import {Store} from './store';
import {type SweepDefinition, SweepStore} from './sweeps';

function definition(n: number, specHash = 'spec-a', offset = 0): SweepDefinition {
  return {
    name: 'claims',
    file: '/nowhere/sweep.yaml',
    specHash,
    specJson: '{}',
    axes: ['x'],
    cells: Array.from({length: n}, (_, i) => ({
      index: i,
      key: `{"x":${i + offset}}`,
      assignment: {x: i + offset},
      configHash: `hash-${i + offset}`,
    })),
  };
}

/** A worker in its own process: claims until nothing is left, "works" a few ms per cell, prints the indices it got. */
const WORKER = `
const {Store} = require(${JSON.stringify(path.join(__dirname, 'store.js'))});
const {SweepStore} = require(${JSON.stringify(path.join(__dirname, 'sweeps.js'))});
const store = Store.open(process.argv[1]);
const sweeps = new SweepStore(store);
const id = sweeps.get('claims').id;
process.stdout.write('ready\\n');
const fs = require('node:fs');
while (!fs.existsSync(process.argv[2])) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2); // start together
const got = [];
for (;;) {
  const c = sweeps.claim(id, {retries: 0, graceSeconds: 60});
  if (!c) break;
  got.push(c.idx);
  const until = Date.now() + 3; while (Date.now() < until) {}
  sweeps.finish(id, c.idx, {status: 'completed', runId: 'run-' + c.idx});
}
store.close();
process.stdout.write(JSON.stringify(got));
`;

/** Starts a worker; `ready` resolves once it has opened the store, `done` with the indices it claimed. */
function startWorker(db: string, go: string): {ready: Promise<void>; done: Promise<number[]>} {
  const child = spawn(process.execPath, ['-e', WORKER, db, go], {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number[]>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.slice(out.indexOf('\n') + 1)) as number[])
        : reject(new Error(`worker exited ${code}: ${err}`)),
    );
  });
  return {ready, done};
}

for (const kind of STORE_KINDS)
  describe(`sweep cells in the store (${kind})`, () => {
    const tmpDb = () => freshStore(kind, 'scg-sweeps-');

    it('4 processes claiming at once get every cell exactly once', async () => {
      const db = tmpDb();
      const go = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-go-')), 'go');
      const store = Store.open(db);
      new SweepStore(store).register(definition(60), {extend: false});
      store.close();
      const workers = [0, 1, 2, 3].map(() => startWorker(db, go));
      await Promise.all(workers.map((w) => w.ready));
      fs.writeFileSync(go, '');
      const results = await Promise.all(workers.map((w) => w.done));
      const all = results.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({length: 60}, (_, i) => i),
        'each cell once, none lost',
      );
      assert.ok(
        results.filter((r) => r.length > 0).length >= 2,
        `work was shared: ${results.map((r) => r.length).join(', ')}`,
      );
      const check = Store.open(db);
      const cells = new SweepStore(check).cells(1);
      assert.ok(cells.every((c) => c.status === 'completed' && c.attempts === 1 && c.run_id === `run-${c.idx}`));
      check.close();
    });

    it('a cell whose worker died is taken over; a live worker keeps its cell; another host needs the grace period', () => {
      const store = Store.open(tmpDb());
      const sweeps = new SweepStore(store);
      const {sweep} = sweeps.register(definition(3), {extend: false});
      const hold = (idx: number, pid: number, host: string, beatAgoSeconds: number) =>
        store.db
          .prepare(
            "UPDATE sweep_cells SET status = 'running', pid = ?, host = ?, heartbeat_at = ?, attempts = 1 WHERE sweep_id = ? AND idx = ?",
          )
          .run(pid, host, new Date(Date.now() - beatAgoSeconds * 1000).toISOString(), sweep.id, idx);
      hold(0, process.pid, os.hostname(), 0); // alive, here
      hold(1, exitedPid(), os.hostname(), 0); // dead, here: taken over at once despite a fresh heartbeat
      hold(2, 12345, 'other-host', 30); // elsewhere: heartbeat within the grace period
      const first = sweeps.claim(sweep.id, {retries: 0, graceSeconds: 60});
      assert.equal(first?.idx, 1);
      assert.equal(first?.attempts, 2);
      assert.equal(first?.pid, process.pid);
      assert.equal(
        sweeps.claim(sweep.id, {retries: 0, graceSeconds: 60}),
        undefined,
        'cell 0 is alive here, cell 2 within grace',
      );
      assert.equal(sweeps.claim(sweep.id, {retries: 0, graceSeconds: 10})?.idx, 2, 'past the grace period');
      store.close();
    });

    it('with groups, a new cell of a group no live worker holds comes first; a held group is claimed when nothing else is left', () => {
      const store = Store.open(tmpDb());
      const sweeps = new SweepStore(store);
      const {sweep} = sweeps.register(definition(5), {extend: false});
      // Cells 0, 1, 2 share a pretraining, 3 and 4 another (as four backbones on one seed would).
      const group = (idx: number) => (idx < 3 ? 'a' : 'b');
      const claim = () => sweeps.claim(sweep.id, {retries: 0, graceSeconds: 60, group})?.idx;
      assert.equal(claim(), 0);
      assert.equal(claim(), 3, "group a is held (this process is alive), so b's first cell");
      assert.equal(claim(), 1, 'both held: the first new cell');
      sweeps.finish(sweep.id, 3, {status: 'completed', runId: 'r3'});
      assert.equal(claim(), 4, 'group b is free again');
      assert.equal(sweeps.claim(sweep.id, {retries: 0, graceSeconds: 60})?.idx, 2, 'without groups: index order');
      store.close();
    });

    it('failed cells are retried up to --retries; a new invocation resets that; interrupted cells do not use an attempt', () => {
      const store = Store.open(tmpDb());
      const sweeps = new SweepStore(store);
      const {sweep} = sweeps.register(definition(1), {extend: false});
      const opts = {retries: 1, graceSeconds: 60};
      assert.equal(sweeps.claim(sweep.id, opts)?.attempts, 1);
      sweeps.finish(sweep.id, 0, {status: 'new'}); // interrupted: back to new, the attempt is given back
      assert.equal(sweeps.claim(sweep.id, opts)?.attempts, 1);
      sweeps.finish(sweep.id, 0, {status: 'failed', error: 'dataset gone'});
      assert.equal(sweeps.claim(sweep.id, opts)?.attempts, 2, 'one retry');
      assert.equal(sweeps.cell(sweep.id, 0)?.error, null, "a claim clears the cell's error ...");
      sweeps.finish(sweep.id, 0, {status: 'failed', error: 'NaN in g_loss'});
      assert.equal(sweeps.claim(sweep.id, opts), undefined, 'retries used up');
      assert.equal(sweeps.cell(sweep.id, 0)?.error, 'NaN in g_loss');
      assert.deepEqual(
        sweeps.failures(sweep.id).map((f) => [f.idx, f.attempt, f.error]),
        [
          [0, 1, 'dataset gone'],
          [0, 2, 'NaN in g_loss'],
        ],
        '... but the failure log keeps every attempt',
      );
      const mark = sweeps.lastFailureId(sweep.id);
      sweeps.resetAttempts(sweep.id);
      assert.equal(sweeps.claim(sweep.id, opts)?.attempts, 1);
      sweeps.finish(sweep.id, 0, {status: 'failed', error: 'again'});
      assert.deepEqual(
        sweeps.failures(sweep.id, mark).map((f) => [f.attempt, f.error]),
        [[1, 'again']],
        'only failures after the mark',
      );
      store.close();
    });

    it('a changed spec is refused; --extend keeps finished cells and adds new ones', () => {
      const store = Store.open(tmpDb());
      const sweeps = new SweepStore(store);
      const {sweep} = sweeps.register(definition(2), {extend: false});
      sweeps.claim(sweep.id, {retries: 0, graceSeconds: 60});
      sweeps.finish(sweep.id, 0, {status: 'completed', runId: 'r0'});
      assert.equal(sweeps.register(definition(2), {extend: false}).created, false, 'same spec: accepted as is');
      assert.throws(
        () => sweeps.register(definition(3, 'spec-b'), {extend: false}),
        (e: unknown) => e instanceof ScgError && /different spec/.test(e.message) && /--extend/.test(e.hint ?? ''),
      );
      const ext = sweeps.register(definition(3, 'spec-b'), {extend: true});
      assert.equal(ext.added, 1);
      assert.equal(ext.removed, 0);
      assert.deepEqual(
        sweeps.cells(sweep.id).map((c) => [c.idx, c.status, c.run_id]),
        [
          [0, 'completed', 'r0'],
          [1, 'new', null],
          [2, 'new', null],
        ],
      );
      const shifted = sweeps.register(definition(2, 'spec-c', 1), {extend: true}); // cells x=1, x=2: x=0 leaves the sweep
      assert.equal(shifted.removed, 1);
      assert.deepEqual(
        sweeps.cells(sweep.id).map((c) => c.key),
        ['{"x":1}', '{"x":2}'],
      );
      store.close();
    });
  });
