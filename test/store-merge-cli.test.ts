// scg store merge on real per-node stores: a sweep split over two "nodes" by --cell, merged, reports as one store;
// a second merge is a no-op; a rerun with other results is kept as an attempt or refused; bad sources exit 2.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {spawnSync} from 'node:child_process';
import Database from 'better-sqlite3';
import {parse} from 'yaml';
import {TINY_CONFIG} from './tiny';
import {BIN, query, scg} from './cli-support';
import {freshStore, postgresPresent} from './postgres-cluster';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'scg-merge-'));

/** Four cells (two modes × two seeds) of the tiny fixture with a GAN phase and an evaluation, one thread each. */
function sweepFile(dir: string): string {
  const file = path.join(dir, 'split.yaml');
  fs.writeFileSync(
    file,
    [
      'name: split',
      `base: ${TINY_CONFIG}`,
      'grid:',
      '  contrastive.mode: [none, supcon]',
      'seeds: [0, 1]',
      'baseline: {contrastive.mode: none}',
      'set:',
      '  phases: [pretrain, train, eval]',
      '  train: {steps: 2}',
      '  eval: {samples: 12, builtinSteps: 10}',
      '  runtime: {threads: 1}',
      '',
    ].join('\n'),
  );
  return file;
}

function runCells(sweep: string, db: string, cells: number[]): void {
  for (const cell of cells) {
    const r = scg(['ablate', sweep, '--cell', String(cell), '--db', db]);
    assert.equal(r.status, 0, r.stderr);
  }
}

const report = (db: string) => {
  // The model's metrics: step times and memory are the machine's, and differ between any two runs.
  const metrics = ['fid', 'is_mean', 'r_precision', 'label_acc'].flatMap((m) => ['--metric', m]);
  const r = scg(['report', 'split', '--format', 'csv', ...metrics, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};

const counts = (db: string) =>
  query<{runs: number; metrics: number; checkpoints: number; artifacts: number; completed: number}>(
    db,
    `SELECT (SELECT COUNT(*) FROM runs) AS runs, (SELECT COUNT(*) FROM metrics) AS metrics,
      (SELECT COUNT(*) FROM checkpoints) AS checkpoints, (SELECT COUNT(*) FROM artifacts) AS artifacts,
      (SELECT COUNT(*) FROM sweep_cells WHERE status = 'completed') AS completed`,
  )[0]!;

/** A two-cell sweep file in `dir`, and the store path beside it. */
function pairSweep(dir: string): {file: string; db: string} {
  const file = path.join(dir, 'pair.yaml');
  fs.writeFileSync(file, `name: pair\nbase: ${TINY_CONFIG}\ngrid:\n  contrastive.mode: [none, supcon]\n`);
  return {file, db: path.join(dir, 'experiments.db')};
}

/** Merges the two task stores under `dir`/tasks into `db`: both cells and both runs completed there. */
function assertTasksMerge(dir: string, db: string): void {
  const tasks = [0, 1].map((i) => path.join(dir, 'tasks', String(i), 'experiments.db'));
  const merged = scg(['store', 'merge', ...tasks, '--into', db]);
  assert.equal(merged.status, 0, merged.stderr);
  assert.deepEqual(query<{status: string}>(db, 'SELECT status FROM sweep_cells ORDER BY idx'), [
    {status: 'completed'},
    {status: 'completed'},
  ]);
  assert.equal(query<{n: number}>(db, "SELECT COUNT(*) AS n FROM runs WHERE status = 'completed'")[0]!.n, 2);
}

describe('scg store merge', () => {
  const dir = tmpDir();
  const sweep = sweepFile(dir);
  const whole = path.join(dir, 'whole', 'experiments.db');
  const nodeA = path.join(dir, 'node-a', 'experiments.db');
  const nodeB = path.join(dir, 'node-b', 'experiments.db');
  const merged = path.join(dir, 'merged', 'experiments.db');

  it('merges a sweep split over two nodes into the store one node running every cell would have', () => {
    runCells(sweep, whole, [0, 1, 2, 3]);
    runCells(sweep, nodeA, [0, 2]);
    runCells(sweep, nodeB, [1, 3]);
    assert.equal(counts(nodeA).completed, 2);
    const r = scg(['store', 'merge', nodeA, nodeB, '--into', merged]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /node-a\/experiments\.db: 2 runs added, 0 updated, 0 already there, 0 kept as new attempts/);
    assert.deepEqual(counts(merged), counts(whole));
    assert.equal(report(merged), report(whole));
    // the run folders came along, and the stored paths point into the merged store's runs/
    const paths = query<{path: string}>(merged, 'SELECT path FROM checkpoints UNION ALL SELECT path FROM artifacts');
    assert.ok(paths.length > 0);
    for (const p of paths) {
      assert.ok(p.path.startsWith(path.join(path.dirname(merged), 'runs')), p.path);
      assert.ok(fs.existsSync(p.path), p.path);
    }
    const id = query<{id: string}>(merged, 'SELECT id FROM runs LIMIT 1')[0]!.id;
    const png = path.join(dir, 'sample.png');
    const sample = scg(['sample', id, '--text', 'a red circle', '--out', png, '--n', '2', '--db', merged]);
    assert.equal(sample.status, 0, sample.stderr);
    assert.ok(fs.statSync(png).size > 0);
  });

  it(
    'merges the same split into a PostgreSQL store, whose report is the one store that ran every cell gives',
    {skip: postgresPresent() ? false : 'PostgreSQL or pg-native is not installed'},
    () => {
      const url = freshStore('postgres');
      const artifacts = path.join(dir, 'pg-artifacts');
      const r = scg(['store', 'merge', nodeA, nodeB, '--into', url, '--artifacts', artifacts]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(report(url), report(whole));
      const again = scg(['store', 'merge', nodeA, nodeB, '--into', url, '--artifacts', artifacts]);
      assert.match(again.stderr, /0 runs added, 0 updated, 2 already there/);
      assert.equal(fs.readdirSync(path.join(artifacts, 'runs')).length, 4, 'the run folders came along');
    },
  );

  it('changes nothing when merged again', () => {
    const before = counts(merged);
    const dump = query(merged, 'SELECT * FROM runs ORDER BY id');
    const r = scg(['store', 'merge', nodeB, nodeA, '--into', merged, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {sources: {added: number; same: number; cells: number}[]};
    assert.deepEqual(
      out.sources.map((s) => [s.added, s.same, s.cells]),
      [
        [0, 2, 0],
        [0, 2, 0],
      ],
    );
    assert.deepEqual(counts(merged), before);
    assert.deepEqual(query(merged, 'SELECT * FROM runs ORDER BY id'), dump);
  });

  it('takes a later record of the same execution, and keeps it when an older one comes again', () => {
    // a copy of node B's store taken while its first run was still evaluating: no eval metrics, no end yet
    const early = path.join(dir, 'early', 'experiments.db');
    fs.mkdirSync(path.dirname(early));
    for (const suffix of ['', '-wal'])
      if (fs.existsSync(nodeB + suffix)) fs.copyFileSync(nodeB + suffix, early + suffix);
    const db = new Database(early);
    const {id} = db.prepare('SELECT id FROM runs ORDER BY id LIMIT 1').get() as {id: string};
    db.prepare("DELETE FROM metrics WHERE run_id = ? AND phase = 'eval'").run(id);
    db.prepare(
      "UPDATE runs SET status = 'running', ended_at = NULL, heartbeat_at = '2000-01-01T00:00:00.000Z' WHERE id = ?",
    ).run(id);
    db.close();
    const summary = (args: string[]) => {
      const r = scg(['store', 'merge', ...args, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const [s] = (JSON.parse(r.stdout) as {sources: {added: number; updated: number; same: number}[]}).sources;
      return [s!.added, s!.updated, s!.same];
    };
    const before = counts(merged);
    assert.deepEqual(summary([early, '--into', merged]), [0, 0, 2], 'the older record changes nothing');
    assert.deepEqual(counts(merged), before);
    assert.equal(query<{status: string}>(merged, 'SELECT status FROM runs WHERE id = ?', id)[0]!.status, 'completed');
    // the other way round: the early record first (its folder is not beside it), then the finished one
    const fresh = path.join(dir, 'fresh-b', 'experiments.db');
    assert.deepEqual(summary([early, '--into', fresh]), [2, 0, 0]);
    assert.deepEqual(summary([nodeB, '--into', fresh]), [0, 1, 1]);
    const run = query<{status: string; run_dir: string}>(
      fresh,
      'SELECT status, run_dir FROM runs WHERE id = ?',
      id,
    )[0]!;
    assert.equal(run.status, 'completed');
    assert.equal(run.run_dir, path.join(path.dirname(fresh), 'runs', id));
    assert.ok(query(fresh, "SELECT 1 FROM metrics WHERE run_id = ? AND phase = 'eval'", id).length > 0);
    assert.deepEqual(counts(fresh), counts(nodeB));
  });

  it('keeps a run of the same config with other results as a new attempt, or refuses it with --strict', () => {
    // node C ran cell 0 too, on its own: same config hash and attempt, another execution and other numbers
    const nodeC = path.join(dir, 'node-c', 'experiments.db');
    runCells(sweep, nodeC, [0]);
    const db = new Database(nodeC);
    db.prepare("UPDATE metrics SET value = value + 1 WHERE key = 'fid'").run();
    db.close();
    const before = counts(merged);
    const strict = scg(['store', 'merge', nodeC, '--into', merged, '--strict']);
    assert.equal(strict.status, 2, strict.stderr);
    assert.match(strict.stderr, /is in .*node-c\/experiments\.db and in the target with different results/);
    assert.deepEqual(counts(merged), before, 'nothing written');
    const kept = scg(['store', 'merge', nodeC, '--into', merged]);
    assert.equal(kept.status, 0, kept.stderr);
    const second = query<{id: string}>(merged, 'SELECT id FROM runs WHERE attempt = 2');
    assert.equal(second.length, 1);
    const id = second[0]!.id;
    assert.match(id, /-2$/);
    assert.match(kept.stderr, new RegExp(`kept as ${id}`));
    assert.equal(counts(merged).runs, before.runs + 1);
    const again = scg(['store', 'merge', nodeC, '--into', merged]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(counts(merged).runs, before.runs + 1, 'the kept attempt is recognised the second time');
  });

  it('refuses a source that is not an scg store, or is missing, with exit 2 and no target created', () => {
    const bad = path.join(dir, 'notes.db');
    fs.writeFileSync(bad, 'not a database at all, just text that is long enough to not look like an empty file');
    const target = path.join(dir, 'fresh', 'experiments.db');
    const r = scg(['store', 'merge', nodeA, bad, '--into', target]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /notes\.db is not an scg store/);
    assert.equal(fs.existsSync(target), false);
    const other = path.join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    assert.match(
      scg(['store', 'merge', other, '--into', target]).stderr,
      /other\.db is not an scg store \(it has no runs table\)/,
    );
    const missing = scg(['store', 'merge', path.join(dir, 'nope.db'), '--into', target]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no store at .*nope\.db/);
    assert.equal(scg(['store', 'merge', '--into', target]).status, 2);
    assert.equal(fs.existsSync(target), false);
  });

  it('--emit slurm warns that its tasks share --db; with --task-stores each array task fills its own store to merge', () => {
    const jobDir = tmpDir();
    const {file, db} = pairSweep(jobDir);
    const shared = scg(['ablate', file, '--emit', 'slurm', '--db', db]);
    assert.equal(shared.status, 0, shared.stderr);
    assert.match(shared.stderr, /the array's tasks all open .*experiments\.db: .*several nodes.*--task-stores/);
    const script = path.join(jobDir, 'pair.sbatch');
    const emitted = scg(['ablate', file, '--emit', 'slurm', '--task-stores', '--out', script, '--db', db]);
    assert.equal(emitted.status, 0, emitted.stderr);
    assert.doesNotMatch(emitted.stderr, /all open/);
    const text = fs.readFileSync(script, 'utf8');
    assert.match(text, /--cell "\$INDEX" --db ".*\/tasks\/\$INDEX\/experiments\.db"/);
    assert.match(text, /# {3}scg store merge .*tasks\/\*\/experiments\.db --into /);
    // each array task: the script with its SLURM_ARRAY_TASK_ID, as sbatch would start it
    for (const index of [0, 1]) {
      const task = spawnSync('bash', [script], {
        encoding: 'utf8',
        env: {...process.env, SCG: `${process.execPath} ${BIN}`, SLURM_ARRAY_TASK_ID: String(index), SCG_DB: ''},
      });
      assert.equal(task.status, 0, task.stderr);
    }
    assertTasksMerge(jobDir, db);
  });

  it('--emit k8s writes an Indexed Job whose tasks, run as its pods would, fill per-task stores that merge into --db', () => {
    const jobDir = tmpDir();
    const {file, db} = pairSweep(jobDir);
    const emitted = scg(['ablate', file, '--emit', 'k8s', '--workers', '2', '--db', db]);
    assert.equal(emitted.status, 0, emitted.stderr);
    const job = parse(emitted.stdout) as {
      kind: string;
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        backoffLimitPerIndex: number;
        template: {spec: {restartPolicy: string; containers: {command: string[]; workingDir: string}[]}};
      };
    };
    assert.equal(job.kind, 'Job');
    assert.equal(job.spec.completionMode, 'Indexed');
    assert.equal(job.spec.completions, 2);
    assert.equal(job.spec.parallelism, 2);
    assert.equal(typeof job.spec.backoffLimitPerIndex, 'number');
    assert.match(emitted.stdout, /# backoffLimitPerIndex needs Kubernetes 1\.29\+/);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    const [container] = job.spec.template.spec.containers;
    assert.match(container!.command[2]!, /--cell "\$JOB_COMPLETION_INDEX"/);
    assert.match(emitted.stdout, /# {3}scg store merge .*tasks\/\*\/experiments\.db --into /);
    // each pod: the container's command with its index, scg on PATH
    const bin = path.join(jobDir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'scg'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`, {mode: 0o755});
    for (const index of [0, 1]) {
      const pod = spawnSync(container!.command[0]!, container!.command.slice(1), {
        cwd: container!.workingDir,
        encoding: 'utf8',
        env: {...process.env, PATH: `${bin}:${process.env['PATH']}`, JOB_COMPLETION_INDEX: String(index), SCG_DB: ''},
      });
      assert.equal(pod.status, 0, pod.stderr);
    }
    assertTasksMerge(jobDir, db);
  });
});
