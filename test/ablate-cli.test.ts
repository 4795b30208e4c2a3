// End-to-end sweeps: scg ablate with workers, dry-run, reuse, a changed spec, a killed worker, --emit shell, then scg report.
import {strict as assert} from 'node:assert';
import {spawn, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {TINY_CONFIG} from './tiny';
import {BIN, query, scg} from './cli-support';

const SMOKE = path.resolve(__dirname, '../../configs/sweeps/smoke.yaml');
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'scg-ablate-'));

/** A sweep over the tiny fixture (pretraining only unless `extra` says otherwise). */
function tinySweep(dir: string, name: string, body: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\nbase: ${TINY_CONFIG}\n${body}`);
  return file;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `query`, or [] while the store is still being created by another process. */
function poll<T>(db: string, sql: string): T[] {
  try {
    return fs.existsSync(db) ? query<T>(db, sql) : [];
  } catch {
    return [];
  }
}

describe('scg ablate + scg report', () => {
  it('smoke sweep with 2 workers: every cell once, a dry-run that knows it, a rerun that reuses, a report table', () => {
    const db = path.join(tmpDir(), 'experiments.db');
    const before = scg(['ablate', SMOKE, '--dry-run', '--db', db]);
    assert.equal(before.status, 0, before.stderr);
    assert.match(before.stdout, /^cell\s+backbone\s+contrastive\.mode\s+seed\s+state\s+run\s+note$/m);
    assert.match(before.stdout, /^7\s+dmgan\s+supcon\s+1\s+new\s+-$/m);
    assert.match(before.stdout, /8 cells: 0 done, 0 running, 0 resumable, 0 failed, 8 new/);
    assert.match(before.stdout, /no estimate yet/);

    const run = scg(['ablate', SMOKE, '--workers', '2', '--db', db]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /sweep smoke: 8\/8 cells completed, 0 failed, 0 pending/);
    const runs = query<{config_hash: string; n: number}>(
      db,
      "SELECT config_hash, COUNT(*) AS n FROM runs WHERE status = 'completed' GROUP BY config_hash",
    );
    assert.equal(runs.length, 8);
    assert.ok(runs.every((r) => r.n === 1));
    const workers = fs
      .readdirSync(path.join(path.dirname(db), 'sweeps', 'smoke'))
      .filter((f) => /^worker-\d\.log$/.test(f));
    assert.deepEqual(workers.sort(), ['worker-0.log', 'worker-1.log']);

    const after = JSON.parse(scg(['ablate', SMOKE, '--dry-run', '--db', db, '--json']).stdout) as {
      counts: Record<string, number>;
      estimateSeconds: number | null;
      rows: {state: string; runId: string}[];
    };
    assert.deepEqual(after.counts, {done: 8, failed: 0, running: 0, resumable: 0, new: 0});
    assert.ok(after.rows.every((r) => r.state === 'done' && r.runId));

    const again = scg(['ablate', SMOKE, '--workers', '2', '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 8, 'nothing ran twice');

    const md = scg(['report', 'smoke', '--format', 'md', '--db', db]);
    assert.equal(md.status, 0, md.stderr);
    const [evaluation, training] = md.stdout.split('## training metrics');
    const rows = evaluation!.split('\n').filter((l) => /^\| (attngan|dmgan) \|/.test(l));
    assert.equal(rows.length, 4, md.stdout);
    // What a GAN step costs per cell, with and without the contrastive term: its own table, a row per cell.
    // (tensor MB/step only where the runs trained on torch on the CPU, which counts live tensor bytes)
    assert.match(
      training!,
      /\| backbone \| contrastive\.mode \| n \| ms\/step ↓ \| Δ ms\/step \| (tensor MB\/step ↓ \| Δ tensor MB\/step \| )?peak RSS MB ↓ \|/,
    );
    assert.equal(training!.split('\n').filter((l) => /^\| (attngan|dmgan) \|/.test(l)).length, 4, md.stdout);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      assert.equal(cells[3], '2', `two seeds per row: ${row}`);
      assert.match(cells[4]!, /^\**\d+\.\d+ ± \d+\.\d+\**$/, `FID mean ± std: ${row}`);
      // Δ (Δ%) [Welch 95% interval over the two seeds], ≠0 when it excludes 0
      assert.match(
        cells[5]!,
        cells[2] === 'none' ? /^baseline$/ : /^[−+]?\d+\.\d+ \([−+]?\d+\.\d%\) \[−?\d+\.\d+, −?\d+\.\d+\]( ≠0)?$/,
      );
    }
    // The table's numbers are the runs' own: the attngan/none FID mean is the mean of its two eval rows.
    const fids = query<{value: number}>(
      db,
      `SELECT m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE m.key = 'fid' AND m.phase = 'eval'
      AND json_extract(r.config_json, '$.backbone.name') = 'attngan' AND json_extract(r.config_json, '$.contrastive.mode') = 'none'`,
    );
    assert.equal(fids.length, 2);
    const mean = (fids[0]!.value + fids[1]!.value) / 2;
    assert.ok(rows[0]!.includes(mean.toFixed(mean >= 100 ? 1 : 2)), `${rows[0]} shows ${mean}`);

    const dir = tmpDir();
    const html = scg([
      'report',
      'smoke',
      '--format',
      'html',
      '--out',
      path.join(dir, 'r.html'),
      '--plot',
      path.join(dir, 'fig'),
      '--db',
      db,
    ]);
    assert.equal(html.status, 0, html.stderr);
    const page = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    assert.match(page, /<img alt="samples: [^"]+" src="data:image\/png;base64,/);
    assert.ok(fs.readdirSync(path.join(dir, 'fig')).includes('bars-fid.svg'));
  });

  it('sharePretraining: cells that differ only after pretraining pretrain once, over 2 workers, and a new seed pretrains again', () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const file = tinySweep(
      dir,
      'shared',
      'sharePretraining: true\nseeds: [0, 1]\ngrid:\n  train.lrG: [0.0001, 0.0002, 0.0004]\nset:\n  phases: [pretrain, train]\n',
    );
    const r = scg(['ablate', file, '--workers', '2', '--db', db]);
    assert.equal(r.status, 0, r.stderr);
    const runs = query<{id: string; seed: number; shared: string | null}>(
      db,
      `SELECT r.id, r.seed, p.value AS shared FROM runs r
      LEFT JOIN params p ON p.run_id = r.id AND p.key = 'shared.pretrainFrom' ORDER BY r.seed`,
    );
    assert.equal(runs.length, 6);
    for (const seed of [0, 1]) {
      const mine = runs.filter((x) => x.seed === seed);
      const own = mine.filter((x) => x.shared === null);
      assert.equal(own.length, 1, `seed ${seed}: one run pretrained (${JSON.stringify(mine)})`);
      for (const x of mine.filter((m) => m.shared !== null))
        assert.equal(JSON.parse(x.shared!), own[0]!.id, 'the others took its encoders');
    }
    const losses = query<{n: number}>(
      db,
      "SELECT COUNT(*) AS n FROM metrics WHERE phase = 'train' AND key = 'g_loss'",
    )[0]!.n;
    assert.equal(losses, 6 * 2, 'every cell trained its own GAN');
  });

  it('a changed sweep file is refused (exit 2, nothing run) unless --extend, which adds only the new cells', () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const file = tinySweep(dir, 'grow', 'grid:\n  contrastive.mode: [none, supcon]\n');
    assert.equal(scg(['ablate', file, '--db', db]).status, 0);
    fs.writeFileSync(file, `name: grow\nbase: ${TINY_CONFIG}\ngrid:\n  contrastive.mode: [none, supcon, ntxent]\n`);
    const refused = scg(['ablate', file, '--db', db]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /sweep 'grow' was created from a different spec/);
    assert.match(refused.stderr, /hint: run with --extend/);
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 2);
    const extended = scg(['ablate', file, '--extend', '--db', db]);
    assert.equal(extended.status, 0, extended.stderr);
    assert.match(extended.stderr, /1 new cells, 0 dropped/);
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 3);
  });

  it('a failing cell is retried once (--retries 1) without stopping the others; --fail-fast stops at the first failure', () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    // the first cell's dataset folder does not exist: it validates, then fails when the run builds its data
    const file = tinySweep(
      dir,
      'flaky',
      `cells:\n  - {dataset: {name: cub, root: ${path.join(dir, 'no-cub')}, resolution: 16}}\n  - {contrastive.mode: none}\n  - {contrastive.mode: ntxent}\n`,
    );
    const r = scg(['ablate', file, '--db', db]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /cell 0 \(dataset=cub, seed=0\) failed \(attempt 1\): dataset\.root: .*no-cub does not exist/,
    );
    assert.match(r.stderr, /cell 0 \(dataset=cub, seed=0\) failed \(attempt 2\)/);
    assert.match(r.stdout, /2\/3 cells completed, 1 failed, 0 pending/);
    assert.deepEqual(
      query<{status: string; attempts: number}>(db, 'SELECT status, attempts FROM sweep_cells ORDER BY idx'),
      [
        {status: 'failed', attempts: 2},
        {status: 'completed', attempts: 1},
        {status: 'completed', attempts: 1},
      ],
    );
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 2, 'bad input leaves no run row');

    const db2 = path.join(dir, 'fast.db');
    const fast = scg(['ablate', file, '--db', db2, '--fail-fast', '--retries', '0']);
    assert.equal(fast.status, 1);
    assert.match(fast.stdout, /0\/3 cells completed, 1 failed, 2 pending/);
  });

  it('a bad sweep file exits 2 with its line and writes no store', () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const r = scg(['ablate', tinySweep(dir, 'bad', 'grid:\n  contrastive.temprature: [0.1]\n'), '--db', db]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml:4:3: grid\.contrastive\.temprature: .*not a config key/);
    assert.match(r.stderr, /did you mean `temperature`/);
    assert.equal(fs.existsSync(db), false);
  });

  it('a worker killed mid-cell: the re-run resumes that cell from its checkpoint, no duplicate run', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const file = tinySweep(
      dir,
      'kill',
      'seeds: [3]\nset: {pretrain: {steps: 400, batchSize: 4, checkpointEvery: 10, logEvery: 5}}\n',
    );
    const coordinator = spawn(process.execPath, [BIN, 'ablate', file, '--db', db], {
      stdio: 'ignore',
      env: {...process.env, SCG_DB: ''},
    });
    let worker: {pid: number; step: number} | undefined;
    for (let i = 0; i < 600 && !worker; i++) {
      await sleep(100);
      const rows = poll<{pid: number | null; step: number | null}>(
        db,
        `SELECT c.pid AS pid, r.step AS step FROM sweep_cells c LEFT JOIN runs r ON r.config_hash = c.config_hash
        WHERE c.status = 'running'`,
      );
      if (rows[0]?.pid && (rows[0].step ?? 0) >= 20) worker = {pid: rows[0].pid, step: rows[0].step!};
    }
    assert.ok(worker, 'the cell got past its first checkpoints');
    process.kill(worker.pid, 'SIGKILL');
    const code = await new Promise<number | null>((resolve) => coordinator.on('exit', resolve));
    assert.equal(code, 1, 'the coordinator reports the unfinished cell');
    const dry = JSON.parse(scg(['ablate', file, '--dry-run', '--json', '--db', db]).stdout) as {
      rows: {state: string}[];
    };
    assert.equal(dry.rows[0]!.state, 'resumable');
    const again = scg(['ablate', file, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    const runs = query<{status: string}>(db, 'SELECT status FROM runs');
    assert.deepEqual(runs, [{status: 'completed'}], 'one run, completed');
    const log = fs.readFileSync(path.join(dir, 'sweeps', 'kill', 'worker-0.log'), 'utf8');
    assert.match(log, /resuming run \w+ \(was running at pretrain step \d+\)/);
    const losses = query<{n: number; distinct_steps: number}>(
      db,
      "SELECT COUNT(*) AS n, COUNT(DISTINCT step) AS distinct_steps FROM metrics WHERE key = 'loss'",
    );
    assert.equal(losses[0]!.n, losses[0]!.distinct_steps, 'no step logged twice');
    assert.equal(losses[0]!.n, 400, 'every step once');
  });

  it('Ctrl-C on the coordinator: workers checkpoint, the cell goes back to new, exit 130; the re-run finishes it', async () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const file = tinySweep(
      dir,
      'stop',
      'seeds: [4]\nset: {pretrain: {steps: 400, batchSize: 4, checkpointEvery: 100, logEvery: 5}}\n',
    );
    const coordinator = spawn(process.execPath, [BIN, 'ablate', file, '--db', db], {
      stdio: 'ignore',
      env: {...process.env, SCG_DB: ''},
    });
    let running = false;
    for (let i = 0; i < 600 && !running; i++) {
      await sleep(100);
      running = poll<{step: number | null}>(db, "SELECT step FROM runs WHERE status = 'running'").some(
        (r) => (r.step ?? 0) >= 10,
      );
    }
    assert.ok(running);
    coordinator.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => coordinator.on('exit', resolve));
    assert.equal(code, 130);
    assert.deepEqual(query<{status: string}>(db, 'SELECT status FROM sweep_cells'), [{status: 'new'}]);
    const run = query<{status: string; step: number}>(db, 'SELECT status, step FROM runs')[0]!;
    assert.equal(run.status, 'interrupted');
    assert.ok(
      query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM checkpoints WHERE step = ?', run.step)[0]!.n === 1,
      'a checkpoint at the step it stopped',
    );
    const again = scg(['ablate', file, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(query<{status: string}>(db, 'SELECT status FROM runs'), [{status: 'completed'}]);
  });

  it('--emit shell writes a job script whose tasks run the cells; --cell out of range exits 2', () => {
    const dir = tmpDir();
    const db = path.join(dir, 'experiments.db');
    const file = tinySweep(dir, 'jobs', 'grid:\n  contrastive.mode: [none, supcon]\n');
    const script = path.join(dir, 'jobs.sh');
    const emitted = scg(['ablate', file, '--emit', 'shell', '--out', script, '--db', db]);
    assert.equal(emitted.status, 0, emitted.stderr);
    assert.match(fs.readFileSync(script, 'utf8'), /--cell "\$INDEX"/);
    const r = spawnSync('bash', [script], {
      encoding: 'utf8',
      env: {...process.env, SCG: `${process.execPath} ${BIN}`, JOBS: '2', SCG_DB: ''},
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(query<{status: string}>(db, 'SELECT status FROM sweep_cells ORDER BY idx'), [
      {status: 'completed'},
      {status: 'completed'},
    ]);
    assert.equal(query<{n: number}>(db, "SELECT COUNT(*) AS n FROM runs WHERE status = 'completed'")[0]!.n, 2);
    const slurm = scg(['ablate', file, '--emit', 'slurm', '--db', db]);
    assert.match(slurm.stdout, /#SBATCH --array=0-1/);
    const out = scg(['ablate', file, '--cell', '5', '--db', db]);
    assert.equal(out.status, 2);
    assert.match(out.stderr, /--cell 5: sweep 'jobs' has cells 0\.\.1/);
  });
});
