// The SQLite → PostgreSQL mapping of the store's statements (no server needed).
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {ddlToPostgres, redact, toPostgres} from './postgres-db';

describe('postgres-db mapping', () => {
  it('numbers ? and @name parameters in order, leaving quoted text alone', () => {
    assert.equal(
      toPostgres("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' AND status = '?' AND x = ?"),
      "SELECT id FROM runs WHERE id LIKE $1 ESCAPE '\\' AND status = '?' AND x = $2",
    );
    const names: string[] = [];
    assert.equal(
      toPostgres("INSERT INTO t (a, b) VALUES (@a, @b_2) -- 'me@x'", names),
      "INSERT INTO t (a, b) VALUES ($1, $2) -- 'me@x'",
    );
    assert.deepEqual(names, ['a', 'b_2']);
  });

  it('maps the migrations: rowid keys become SERIAL and REAL becomes DOUBLE PRECISION', () => {
    assert.equal(
      ddlToPostgres('CREATE TABLE m (id INTEGER PRIMARY KEY, value REAL NOT NULL, n INTEGER NOT NULL)'),
      'CREATE TABLE m (id SERIAL PRIMARY KEY, value DOUBLE PRECISION NOT NULL, n INTEGER NOT NULL)',
    );
  });

  it('masks the password of a URL', () => {
    assert.equal(redact('postgresql://scg:s3cret@db:5432/x'), 'postgresql://scg:***@db:5432/x');
    assert.equal(redact('postgres://scg@db/x'), 'postgres://scg@db/x');
  });
});
