// The synchronous SQL surface the store uses: better-sqlite3's, which the PostgreSQL connection also provides.

/** Positional values, or one object for `@name` parameters. */
export type SqlArgs = unknown[];

export interface SqlStatement {
  run(...args: SqlArgs): {changes: number};
  get(...args: SqlArgs): unknown;
  all(...args: SqlArgs): unknown[];
}

/** `fn` in a transaction; `.immediate()` takes the store's write lock first (SQLite's BEGIN IMMEDIATE). */
export interface SqlTransaction<T> {
  (): T;
  immediate(): T;
}

export interface SqlDb {
  prepare(sql: string): SqlStatement;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): void;
  transaction<T>(fn: () => T): SqlTransaction<T>;
  close(): void;
}

/** A store address: a PostgreSQL connection URL, or else a path to an SQLite file. */
export function isServerStore(address: string): boolean {
  return /^postgres(ql)?:\/\//.test(address);
}
