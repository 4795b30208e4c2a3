// Helpers of the end-to-end tests: the scg binary in a child process, and read-only queries on a store.
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import {PostgresDb} from '../src/store/postgres-db';
import {isServerStore} from '../src/store/sql';

export const BIN = path.resolve(__dirname, '../../bin/run.js');

/** Runs `scg args…` to completion; SCG_DB is cleared so only `--db` decides the store. */
export function scg(
  args: string[],
  env: Record<string, string> = {},
): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, SCG_DB: '', ...env}});
  return {status: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** Rows of `sql` from a store: an SQLite file (opened read-only) or a PostgreSQL URL. */
export function query<T>(db: string, sql: string, ...args: unknown[]): T[] {
  const conn = isServerStore(db) ? new PostgresDb(db) : new Database(db, {readonly: true});
  try {
    return conn.prepare(sql).all(...args) as T[];
  } finally {
    conn.close();
  }
}

/** The pid of a process that has already exited (for tests of dead-owner takeover). */
export function exitedPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout,
  );
}
