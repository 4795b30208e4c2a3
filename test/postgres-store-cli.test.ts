// End to end on a PostgreSQL store (a throwaway cluster): a run with its folders under SCG_ARTIFACTS, three workers
// standing in for three hosts draining a sweep while one is killed, a merge into the server, and bad input.
import {strict as assert} from 'node:assert';
import {spawn, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import sharp from 'sharp';
import {parse} from 'yaml';
import {PostgresDb} from '../src/store/postgres-db';
import {BIN, scg} from './cli-support';
import {freshStore, postgresPresent} from './postgres-cluster';
import {TINY_CONFIG, TINY_EVAL_SETS} from './tiny';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rows<T>(url: string, sql: string, ...args: unknown[]): T[] {
  const db = new PostgresDb(url);
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

describe('PostgreSQL store', {skip: postgresPresent() ? false : 'PostgreSQL or pg-native is not installed'}, () => {
  it('records a run with its folder relative to --artifacts (or SCG_ARTIFACTS), reuses it, and lists it', () => {
    const url = freshStore('postgres');
    const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-artifacts-'));
    const env = {SCG_ARTIFACTS: artifacts};
    const r = scg(['run', TINY_CONFIG, '--db', url, '--artifacts', artifacts, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    const [run] = rows<{run_dir: string; status: string}>(url, 'SELECT run_dir, status FROM runs WHERE id = ?', runId);
    assert.deepEqual(run, {run_dir: `runs/${runId}`, status: 'completed'});
    const ckpts = rows<{path: string}>(url, 'SELECT path FROM checkpoints WHERE run_id = ?', runId);
    assert.ok(ckpts.length > 0 && ckpts.every((c) => !path.isAbsolute(c.path)), 'checkpoint paths are relative');
    assert.ok(fs.existsSync(path.join(artifacts, 'runs', runId, 'config.json')));
    const again = scg(['run', TINY_CONFIG, '--db', url, '--json'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as {action: string}).action, 'reused');
    const list = scg(['runs', 'list', '--db', url], env);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(runId.slice(0, 8)));
  });

  it('scg sample and scg report --format html find a GAN run from a machine that mounts the artifacts elsewhere', async () => {
    const url = freshStore('postgres');
    const here = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-node-a-'));
    const r = scg(['run', TINY_CONFIG, '--db', url, ...TINY_EVAL_SETS, '--set', 'name=pg-gan', '--json'], {
      SCG_ARTIFACTS: here,
    });
    assert.equal(r.status, 0, r.stderr);
    const runId = (JSON.parse(r.stdout) as {runId: string}).runId;
    // "another machine": the same files under another path
    const there = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-node-b-'));
    fs.cpSync(here, there, {recursive: true});
    fs.rmSync(here, {recursive: true, force: true});
    const out = path.join(there, 'red.png');
    const s = scg(['sample', runId, '--text', 'a large red circle', '--n', '2', '--out', out, '--db', url], {
      SCG_ARTIFACTS: there,
    });
    assert.equal(s.status, 0, s.stderr);
    assert.equal((await sharp(out).metadata()).format, 'png');
    const html = path.join(there, 'report.html');
    const rep = scg(['report', '--experiment', 'pg-gan', '--format', 'html', '--out', html, '--db', url], {
      SCG_ARTIFACTS: there,
    });
    assert.equal(rep.status, 0, rep.stderr);
    assert.ok(fs.readFileSync(html, 'utf8').includes('<img'), "the report embeds the run's sample grid");
  });

  it('three workers on three "hosts" drain a sweep; one killed mid-cell has its cell taken over after the grace', async () => {
    const url = freshStore('postgres');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-sweep-'));
    const sweep = path.join(dir, 'hosts.yaml');
    fs.writeFileSync(
      sweep,
      [
        'name: hosts',
        `base: ${TINY_CONFIG}`,
        'grid:',
        '  contrastive.mode: [none, supcon]',
        'seeds: [0, 1, 2, 3]',
        'set:',
        '  pretrain: {steps: 40, checkpointEvery: 10, logEvery: 10}',
        '',
      ].join('\n'),
    );
    const start = (host: string) => {
      const child = spawn(process.execPath, [BIN, 'ablate', sweep, '--worker', '--db', url, '--grace', '6'], {
        env: {...process.env, SCG_DB: '', SCG_HOST: host, SCG_ARTIFACTS: dir},
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const done = new Promise<{code: number | null; err: string}>((resolve) =>
        child.on('exit', (code) => resolve({code, err})),
      );
      return {child, done};
    };
    const workers = ['host-a', 'host-b', 'host-c'].map(start);
    // Kill host-a's worker once it holds a cell whose run has checkpointed at least once.
    let killed: number | undefined;
    for (let i = 0; i < 600 && killed === undefined; i++) {
      await sleep(200);
      let found: {idx: number}[] = [];
      try {
        found = rows<{idx: number}>(
          url,
          `SELECT c.idx FROM sweep_cells c JOIN runs r ON r.config_hash = c.config_hash
           WHERE c.status = 'running' AND c.host = 'host-a' AND r.status = 'running' AND r.step >= 10`,
        );
      } catch {}
      if (found.length > 0) {
        killed = found[0]!.idx;
        workers[0]!.child.kill('SIGKILL');
      }
    }
    assert.notEqual(killed, undefined, 'host-a held a cell mid-run');
    const others = await Promise.all(workers.slice(1).map((w) => w.done));
    for (const o of others) assert.equal(o.code, 0, o.err);
    assert.ok(
      others.some((o) => /waiting: 1 cell\(s\) are held on other hosts/.test(o.err)),
      'a survivor waited for the dead host',
    );
    const cells = rows<{idx: number; status: string; attempts: number; host: string | null}>(
      url,
      'SELECT idx, status, attempts, host FROM sweep_cells ORDER BY idx',
    );
    assert.equal(cells.length, 8);
    assert.ok(
      cells.every((c) => c.status === 'completed'),
      JSON.stringify(cells),
    );
    assert.equal(cells.find((c) => c.idx === killed)!.attempts, 2, 'the killed cell ran once more, elsewhere');
    assert.equal(cells.filter((c) => c.idx !== killed && c.attempts !== 1).length, 0, 'every other cell ran once');
    const runs = rows<{n: number}>(url, "SELECT COUNT(*) AS n FROM runs WHERE status = 'completed'");
    assert.equal(runs[0]!.n, 8, 'one completed run per cell');
    const dupes = rows(
      url,
      'SELECT run_id, phase, key, step FROM metrics WHERE protocol_id IS NULL GROUP BY run_id, phase, key, step HAVING COUNT(*) > 1',
    );
    assert.deepEqual(dupes, [], 'no metric step twice (the resumed run dropped what followed its checkpoint)');
  });

  it('merges per-node SQLite stores into the server, and a second merge changes nothing', () => {
    const url = freshStore('postgres');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-merge-'));
    const node = path.join(dir, 'node-0.db');
    const r = scg(['run', TINY_CONFIG, '--db', node, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const env = {SCG_ARTIFACTS: path.join(dir, 'shared')};
    const first = scg(['store', 'merge', node, '--into', url, '--json'], env);
    assert.equal(first.status, 0, first.stderr);
    const second = scg(['store', 'merge', node, '--into', url, '--json'], env);
    assert.equal(second.status, 0, second.stderr);
    const count = () => rows<{n: number}>(url, 'SELECT COUNT(*) AS n FROM runs')[0]!.n;
    assert.equal(count(), 1);
    const metrics = rows<{n: number}>(url, 'SELECT COUNT(*) AS n FROM metrics')[0]!.n;
    assert.ok(metrics > 0);
    assert.equal(scg(['store', 'merge', node, '--into', url], env).status, 0);
    assert.equal(rows<{n: number}>(url, 'SELECT COUNT(*) AS n FROM metrics')[0]!.n, metrics, 'idempotent');
  });

  it('--emit k8s and slurm on a server store: every task uses $SCG_DB, from a Secret in the Job; no password in the files', () => {
    const url = freshStore('postgres').replace('postgresql://scg@', 'postgresql://scg:s3cret@');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-emit-'));
    const sweep = path.join(dir, 'pair.yaml');
    fs.writeFileSync(sweep, `name: pair\nbase: ${TINY_CONFIG}\ngrid:\n  contrastive.mode: [none, supcon]\n`);
    const env = {SCG_ARTIFACTS: dir};
    const emitted = scg(['ablate', sweep, '--emit', 'k8s', '--workers', '2', '--db', url], env);
    assert.equal(emitted.status, 0, emitted.stderr);
    assert.ok(!emitted.stdout.includes('s3cret'), 'the password stays out of the Job');
    const job = parse(emitted.stdout) as {
      spec: {template: {spec: {containers: {command: string[]; workingDir: string; env: {name: string}[]}[]}}};
    };
    const [container] = job.spec.template.spec.containers;
    assert.deepEqual(
      container!.env.map((e) => e.name),
      ['SCG_DB', 'SCG_ARTIFACTS', 'SCG_HOST'],
    );
    assert.match(emitted.stdout, /secretKeyRef:\s+name: scg-store\s+key: url/);
    assert.match(container!.command[2]!, /--db "\$SCG_DB"/);
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'scg'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`, {mode: 0o755});
    for (const index of [0, 1]) {
      const pod = spawnSync(container!.command[0]!, container!.command.slice(1), {
        cwd: container!.workingDir,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env['PATH']}`,
          JOB_COMPLETION_INDEX: String(index),
          SCG_DB: url,
          SCG_ARTIFACTS: dir,
          SCG_HOST: `pod-${index}`,
        },
      });
      assert.equal(pod.status, 0, pod.stderr);
    }
    const cells = rows<{status: string; host: string | null}>(url, 'SELECT status, host FROM sweep_cells ORDER BY idx');
    assert.deepEqual(
      cells.map((c) => c.status),
      ['completed', 'completed'],
    );
    const slurm = scg(['ablate', sweep, '--emit', 'slurm', '--db', url], env);
    assert.equal(slurm.status, 0, slurm.stderr);
    assert.ok(!slurm.stdout.includes('s3cret'));
    assert.match(slurm.stdout, /--cell "\$INDEX" --db "\$SCG_DB"/);
    assert.doesNotMatch(slurm.stderr, /SQLite/, 'no SQLite warning for a server store');
  });

  it('an unreachable server is exit 2 naming it, at once, with nothing written', () => {
    const t0 = Date.now();
    const r = scg(['run', TINY_CONFIG, '--db', 'postgresql://scg:pw@127.0.0.1:1/none']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot connect to the PostgreSQL store postgresql:\/\/scg:\*\*\*@127\.0\.0\.1:1\/none/);
    assert.ok(Date.now() - t0 < 30_000, 'no retry storm');
    // a server that answers but refuses the login (here: no such database) is the same exit 2, with its reason
    const url = freshStore('postgres');
    const missing = `${url.slice(0, url.lastIndexOf('/'))}/no_such_db`;
    const refused = scg(['runs', 'list', '--db', missing]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /cannot connect to the PostgreSQL store .*no_such_db: .*database "no_such_db" does not exist/,
    );
  });
});
