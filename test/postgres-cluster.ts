// A throwaway PostgreSQL cluster for the store tests: initdb + pg_ctl in a temporary folder, on 127.0.0.1 only.
import {execFileSync, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {PostgresDb} from '../src/store/postgres-db';

/** Debian's server binaries (postgresql-NN), newest first; undefined when the package is not installed. */
function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

function pgNativeLoads(): boolean {
  try {
    require('pg-native');
    return true;
  } catch {
    return false;
  }
}

/** Both halves of the PostgreSQL store are here: the server (to start a cluster) and pg-native (to reach it). */
export function postgresPresent(): boolean {
  return serverBin() !== undefined && pgNativeLoads();
}

/** The store kinds the suite runs on: SQLite always, PostgreSQL where it is installed. */
export const STORE_KINDS: readonly ('sqlite' | 'postgres')[] = postgresPresent() ? ['sqlite', 'postgres'] : ['sqlite'];

export interface Cluster {
  /** A URL for a new, empty database on the cluster. */
  freshDatabase(): string;
  stop(): void;
}

let shared: Cluster | undefined;
let databases = 0;

/**
 * The suite's cluster, started on first use and stopped when the process exits. Running as root (as CI does),
 * the server runs as Debian's `postgres` user, which initdb requires.
 */
export function cluster(): Cluster {
  if (shared) return shared;
  const bin = serverBin();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed (apt-get install postgresql)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-pg-'));
  const root = process.getuid?.() === 0;
  if (root) execFileSync('chown', ['-R', 'postgres', dir]);
  const as = (cmd: string, args: string[]) => {
    const r = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], {encoding: 'utf8'})
      : spawnSync(path.join(bin, cmd), args, {encoding: 'utf8'});
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const data = path.join(dir, 'data');
  as('initdb', ['-D', data, '-U', 'scg', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const port = 20000 + (process.pid % 20000);
  as('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=50`,
    'start',
  ]);
  const base = `postgresql://scg@127.0.0.1:${port}`;
  const stop = () => {
    try {
      as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {}
    fs.rmSync(dir, {recursive: true, force: true});
  };
  process.once('exit', stop);
  shared = {
    freshDatabase: () => {
      const name = `t${process.pid}_${++databases}`;
      const admin = new PostgresDb(`${base}/postgres`);
      admin.exec(`CREATE DATABASE ${name}`);
      admin.close();
      return `${base}/${name}`;
    },
    stop,
  };
  return shared;
}

/** A new store address of the given kind: an SQLite path in a fresh folder, or a fresh PostgreSQL database. */
export function freshStore(kind: 'sqlite' | 'postgres', prefix = 'scg-store-'): string {
  if (kind === 'postgres') return cluster().freshDatabase();
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), prefix)), 'experiments.db');
}
