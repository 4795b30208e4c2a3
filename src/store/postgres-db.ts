// The store's SQL surface on a PostgreSQL server, through pg-native's synchronous libpq calls (one connection).
import {ScgError} from '../errors';
import type {SqlArgs, SqlDb, SqlStatement, SqlTransaction} from './sql';

/** The part of pg-native's Client the store uses. */
interface PgClient {
  connectSync(url: string): void;
  querySync(text: string, values?: unknown[]): Record<string, unknown>[];
  end(cb?: () => void): void;
  pq: {cmdTuples(): string; finish(): void};
}

/**
 * Closed clients, kept referenced: libpq's binding closes its libuv poll handle asynchronously inside the
 * connection object, and a connection collected before the loop finishes that close aborts the process.
 */
const closed: PgClient[] = [];

/** Every transaction that takes the write lock takes this advisory lock: writers queue as on SQLite. */
export const WRITE_LOCK = 0x5c9_0001;

const HINT_INSTALL =
  'the PostgreSQL store needs the optional package pg-native, built against libpq: apt-get install libpq-dev, then npm ci (docs/store.md)';

/** pg-native, loaded only when a server store is opened (an optional dependency). */
function pgNative(): new (config?: {types?: unknown}) => PgClient {
  try {
    return require('pg-native') as new (config?: {
      types?: unknown;
    }) => PgClient;
  } catch (err) {
    throw new ScgError('BAD_INPUT', `cannot load pg-native for a PostgreSQL store (${(err as Error).message})`, {
      hint: HINT_INSTALL,
    });
  }
}

/** pg-types with 64-bit integers (COUNT, SUM) read as numbers, as SQLite gives them. */
function types(): unknown {
  const t = require('pg-types') as {getTypeParser(oid: number, format?: string): (v: string) => unknown};
  return {
    getTypeParser: (oid: number, format?: string) =>
      oid === 20 ? (v: string) => Number(v) : t.getTypeParser(oid, format),
  };
}

/**
 * SQLite's parameters as the store writes them → PostgreSQL's: `?` and `@name` become `$n` (outside quoted text).
 * `names` receives the `@name` order.
 */
export function toPostgres(sql: string, names: string[] = []): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'") {
      const end = sql.indexOf("'", i + 1);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (c === '?') out += `$${++n}`;
    else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      names.push(name);
      out += `$${names.length}`;
      i += name.length;
    } else out += c;
  }
  return out;
}

/** The migrations' DDL: `INTEGER PRIMARY KEY` → `SERIAL PRIMARY KEY`, `REAL` → `DOUBLE PRECISION` (4 bytes in PostgreSQL). */
export function ddlToPostgres(sql: string): string {
  return sql.replace(/\bINTEGER PRIMARY KEY\b/g, 'SERIAL PRIMARY KEY').replace(/\bREAL\b/g, 'DOUBLE PRECISION');
}

/** The statement's values in `$n` order (an `@name` statement takes one object, as better-sqlite3 does). */
function values(args: SqlArgs, names: string[]): unknown[] {
  const list = names.length > 0 ? names.map((k) => (args[0] as Record<string, unknown>)[k]) : args;
  return list.map((v) => v ?? null);
}

export class PostgresDb implements SqlDb {
  private readonly client: PgClient;
  private depth = 0;

  /** Connects; an unreachable server or a refused login is BAD_INPUT naming the server and the reason. */
  constructor(readonly url: string) {
    const Client = pgNative();
    this.client = new Client({types: types()});
    try {
      this.client.connectSync(url);
    } catch (err) {
      this.close();
      throw new ScgError('BAD_INPUT', `cannot connect to the PostgreSQL store ${redact(url)}: ${firstLine(err)}`, {
        hint: 'check the host, port, user, password and database in --db / SCG_DB; scg does not retry',
      });
    }
    this.client.querySync("SET client_min_messages = 'warning'");
  }

  prepare(sql: string): SqlStatement {
    const names: string[] = [];
    const text = toPostgres(sql, names);
    const query = (args: SqlArgs) => this.client.querySync(text, values(args, names));
    return {
      run: (...args) => {
        query(args);
        return {changes: Number(this.client.pq.cmdTuples() || 0)};
      },
      get: (...args) => query(args)[0],
      all: (...args) => query(args),
    };
  }

  /** Statements without parameters: the migrations (their DDL mapped) and administrative commands. */
  exec(sql: string): void {
    this.client.querySync(ddlToPostgres(sql));
  }

  /** Nested transactions become savepoints, as better-sqlite3 makes them. */
  transaction<T>(fn: () => T): SqlTransaction<T> {
    const run = (lock: boolean): T => {
      const outer = this.depth === 0;
      const savepoint = `scg_${this.depth}`;
      this.client.querySync(outer ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
      if (outer && lock) this.client.querySync(`SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      this.depth++;
      try {
        const result = fn();
        this.depth--;
        this.client.querySync(outer ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        this.depth--;
        this.client.querySync(outer ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw err;
      }
    };
    const tx = (() => run(false)) as SqlTransaction<T>;
    tx.immediate = () => run(true);
    return tx;
  }

  close(): void {
    this.client.pq.finish();
    closed.push(this.client);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

function firstLine(err: unknown): string {
  return String((err as Error).message ?? err)
    .trim()
    .split('\n')[0]!;
}
