// Fault suite, sweeps: kill -9 of the coordinator. Its workers notice, checkpoint and stop (no orphan trains on
// unwatched); the next `scg ablate` resumes the cell from that checkpoint and every step is stored once.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {processAlive} from '../../src/core/process-alive';
import {TINY_CONFIG} from '../tiny';
import {query, scg, start, tmpDir, waitFor} from './harness';

/** `query`, or undefined while the store is still being created. */
function peek<T>(db: string, sql: string): T[] | undefined {
  try {
    return fs.existsSync(db) ? query<T>(db, sql) : undefined;
  } catch {
    return undefined;
  }
}

describe('fault suite: sweeps', () => {
  it('kill -9 of the coordinator: its worker checkpoints and exits; the re-run finishes the cell, each step once', async () => {
    const dir = tmpDir('sweep');
    const db = path.join(dir, 'experiments.db');
    const file = path.join(dir, 'orphan.yaml');
    fs.writeFileSync(
      file,
      `name: orphan\nbase: ${TINY_CONFIG}\nseeds: [5]\nset: {pretrain: {steps: 400, batchSize: 4, checkpointEvery: 50, logEvery: 5}}\n`,
    );
    const coordinator = start(['ablate', file, '--db', db]);
    const worker = await waitFor(
      'a worker past step 10',
      () =>
        peek<{pid: number | null; step: number | null}>(
          db,
          "SELECT c.pid AS pid, r.step AS step FROM sweep_cells c JOIN runs r ON r.config_hash = c.config_hash WHERE c.status = 'running'",
        )?.find((r) => r.pid && (r.step ?? 0) >= 10)?.pid ?? undefined,
    );
    coordinator.proc.kill('SIGKILL');
    await coordinator.exit;
    await waitFor('the orphaned worker to exit', () => !processAlive(worker), 60);
    assert.deepEqual(query(db, 'SELECT status FROM sweep_cells'), [{status: 'new'}], 'the cell goes back to new');
    const [run] = query<{status: string; step: number}>(db, 'SELECT status, step FROM runs');
    assert.equal(run!.status, 'interrupted');
    assert.ok(run!.step < 400, 'it stopped instead of training to the end');
    assert.match(
      fs.readFileSync(path.join(dir, 'sweeps', 'orphan', 'worker-0.log'), 'utf8'),
      /the coordinator \(process \d+\) is gone; checkpointing and stopping/,
    );
    const again = scg(['ablate', file, '--db', db]);
    assert.equal(again.status, 0, again.stderr);
    const steps = query<{n: number; distinct: number}>(
      db,
      "SELECT COUNT(*) AS n, COUNT(DISTINCT step) AS 'distinct' FROM metrics WHERE key = 'loss'",
    )[0]!;
    assert.deepEqual(steps, {n: 400, distinct: 400});
  });
});
