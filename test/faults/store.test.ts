// Fault suite, the store: folders, foreign and damaged files, a store from a newer scg, and three identical runs
// started at once. Each is exit 2 with the file named (or exactly one run), and the file left as it was.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import Database from 'better-sqlite3';
import {freshStore, STORE_KINDS} from '../postgres-cluster';
import {TINY_CONFIG} from '../tiny';
import {query, scg, start, tmpDir} from './harness';

const sha = (file: string) => fs.readFileSync(file).toString('base64');

describe('fault suite: a store that is not usable is named, never changed', () => {
  it('--db at a folder, a non-SQLite file and a damaged database: exit 2 with what the file is and what to do', () => {
    const dir = tmpDir('store');
    const folder = path.join(dir, 'a-folder');
    fs.mkdirSync(folder);
    const text = path.join(dir, 'notes.db');
    fs.writeFileSync(text, 'these are my notes, not a database\n'.repeat(200));
    const good = path.join(dir, 'good.db');
    assert.equal(scg(['run', TINY_CONFIG, '--db', good]).status, 0);
    const damaged = path.join(dir, 'damaged.db');
    const bytes = fs.readFileSync(good);
    bytes.fill(0x5a, 4096, bytes.length); // page 1 (the header) is intact, every page after it is garbage
    fs.writeFileSync(damaged, bytes);
    const cases: [string, RegExp, RegExp][] = [
      [
        folder,
        /store .*a-folder is a folder, not a database file/,
        /hint: pass the path of a file, e\.g\. --db .*a-folder\/experiments\.db/,
      ],
      [text, /notes\.db is not an SQLite database/, /hint: pass --db the experiments\.db that scg wrote/],
      [
        damaged,
        /damaged\.db is damaged \(.*malformed/,
        /hint: recover what is left into a new file: sqlite3 .*damaged\.db "\.recover"/,
      ],
    ];
    for (const [db, message, hint] of cases) {
      const before = fs.statSync(db).isDirectory() ? fs.readdirSync(db).join() : sha(db);
      for (const args of [
        ['run', TINY_CONFIG, '--db', db],
        ['runs', 'list', '--db', db],
      ]) {
        const r = scg(args);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        assert.match(r.stderr, hint);
        assert.doesNotMatch(r.stderr, /SqliteError| {4}at /, 'no raw error or stack');
      }
      assert.equal(fs.statSync(db).isDirectory() ? fs.readdirSync(db).join() : sha(db), before, `${db} is unchanged`);
    }
  });

  it('a store from a newer scg is refused before anything is changed (its journal mode stays)', () => {
    const db = path.join(tmpDir('newer'), 'experiments.db');
    const conn = new Database(db);
    conn.pragma('journal_mode = DELETE');
    conn.exec('CREATE TABLE future (x)');
    conn.pragma('user_version = 99');
    conn.close();
    const before = sha(db);
    const r = scg(['run', TINY_CONFIG, '--db', db]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /has schema version 99, newer than this scg/);
    assert.equal(sha(db), before);
    assert.ok(!fs.existsSync(`${db}-wal`), 'not switched to WAL');
  });

  for (const kind of STORE_KINDS)
    it(`three identical runs started at once (${kind} store): one trains, the others are told so (exit 2) or reuse it; one run row, each step once`, async () => {
      const dir = tmpDir('race');
      const db = kind === 'sqlite' ? path.join(dir, 'experiments.db') : freshStore('postgres');
      const env = kind === 'sqlite' ? {} : {SCG_ARTIFACTS: dir};
      const args = ['run', TINY_CONFIG, '--db', db, '--set', 'pretrain.steps=30'];
      const children = [start(args, env), start(args, env), start(args, env)];
      const ends = await Promise.all(children.map((c) => c.exit));
      const results = ends.map((e, i) => ({code: e.code, stderr: children[i]!.stderr()}));
      for (const r of results) {
        assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /SqliteError|UNIQUE constraint|duplicate key/);
        if (r.code === 2) assert.match(r.stderr, /run \w+ is being trained by process \d+ right now/);
      }
      assert.equal(
        results.filter((r) => /started; files in/.test(r.stderr)).length,
        1,
        'exactly one process started the run',
      );
      assert.deepEqual(query(db, 'SELECT status FROM runs'), [{status: 'completed'}]);
      const steps = query<{step: number}>(db, "SELECT step FROM metrics WHERE key = 'loss' ORDER BY step").map(
        (m) => m.step,
      );
      assert.deepEqual(
        steps,
        Array.from({length: 30}, (_, i) => i + 1),
      );
    });
});
