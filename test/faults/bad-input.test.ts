// Fault suite, bad input: each case is exit 2 with a message naming where, and nothing written — no store, no
// run row, no run folder.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {TINY_CONFIG} from '../tiny';
import {query, scg, tmpDir} from './harness';

/** Runs `scg run` with `sets` against a fresh folder; asserts exit 2, `message`, and that the folder stays empty. */
function refused(sets: string[], message: RegExp, config = TINY_CONFIG): string {
  const dir = tmpDir('bad');
  const r = scg(['run', config, '--db', path.join(dir, 'experiments.db'), ...sets]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, / {4}at |RangeError|ReferenceError|SqliteError/, 'no raw error');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => !f.endsWith('.yaml')),
    [],
    'nothing written',
  );
  return r.stderr;
}

describe('fault suite: bad input is exit 2 and writes nothing', () => {
  it('numbers: infinities, 1e400 and integers beyond 2^53 name their --set', () => {
    refused(
      ['--set', 'pretrain.lr=.inf'],
      /--set pretrain\.lr=\.inf: pretrain\.lr: must be a finite number, but found Infinity/,
    );
    refused(['--set', 'pretrain.lr=1e400'], /--set pretrain\.lr=1e400: pretrain\.lr: must be a finite number/);
    refused(
      ['--set', 'seed=9007199254740993'],
      /seed: is beyond 2\^53, so it cannot be held exactly \(it reads as 9007199254740992\)/,
    );
    const r = scg(['validate', TINY_CONFIG, '--set', 'pretrain.lr=1e30']);
    assert.equal(r.status, 0, 'a large finite number is a number');
  });

  it('two --set flags for one key: the error quotes the flag that took effect', () => {
    refused(['--set', 'seed=1', '--set', 'seed=x'], /--set seed=x: seed: expected integer, but found 'x'/);
  });

  it('YAML alias bombs, oversized files and absurd names are refused at once, with the file named', () => {
    const dir = tmpDir('yaml');
    const bomb = path.join(dir, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
    ] as const)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    fs.writeFileSync(bomb, `name: bomb\n${levels.join('\n')}\n`);
    refused([], /bomb\.yaml:3:\d+: the YAML aliases expand too far/, bomb);
    const big = path.join(dir, 'big.yaml');
    fs.writeFileSync(big, `name: big\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    refused([], /big\.yaml: the file is 2\.0 MB; config and sweep files are limited to 1 MB/, big);
    const longName = path.join(dir, 'name.yaml');
    fs.writeFileSync(longName, `name: ${'n'.repeat(500_000)}\n`);
    const stderr = refused(
      [],
      /name\.yaml:1:\d+: name: .*200 characters, but found a string of 500000 characters/,
      longName,
    );
    assert.ok(stderr.length < 2000, 'the name is not echoed back');
  });

  it('train.encodersFrom naming no run: no run row, no run folder, no store', () => {
    refused(
      ['--set', 'phases=[train]', '--set', 'train.encodersFrom=0123456789abcdef'],
      /train\.encodersFrom: no run '0123456789abcdef'/,
    );
    const dir = tmpDir('from');
    const db = path.join(dir, 'experiments.db');
    assert.equal(scg(['run', TINY_CONFIG, '--db', db]).status, 0);
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'phases=[train]',
      '--set',
      'train.encodersFrom=ffffffffffff',
    ]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /train\.encodersFrom: no run 'ffffffffffff' in .*experiments\.db/);
    assert.equal(query<{n: number}>(db, 'SELECT COUNT(*) AS n FROM runs')[0]!.n, 1, 'no failed row');
    assert.equal(fs.readdirSync(path.join(dir, 'runs')).length, 1, 'no run folder');
  });

  it('a missing dataset root, a root that is a file, and a dataset too large for memory create no store', () => {
    const dir = tmpDir('data');
    refused(
      ['--set', `dataset={name: cub, root: ${path.join(dir, 'none')}, resolution: 16}`],
      /dataset\.root: .*none does not exist or is not a folder/,
    );
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    refused(
      ['--set', `dataset={name: cub, root: ${path.join(dir, 'file')}, resolution: 16}`],
      /dataset\.root: .*file does not exist or is not a folder/,
    );
    refused(
      ['--set', 'dataset.size=200000', '--set', 'dataset.resolution=256'],
      /dataset\.size, dataset\.resolution: dataset 'shapes': 200000 images at 256×256 need 36\.6 GB in memory once decoded, more than/,
    );
  });

  it('run-id prefixes: LIKE wildcards are literal, short prefixes are refused, ambiguous ones list the matches', () => {
    const dir = tmpDir('ids');
    const db = path.join(dir, 'experiments.db');
    assert.equal(scg(['run', TINY_CONFIG, '--db', db]).status, 0);
    assert.equal(scg(['run', TINY_CONFIG, '--db', db, '--force']).status, 0);
    const [id] = query<{id: string}>(db, 'SELECT id FROM runs ORDER BY attempt').map((r) => r.id);
    for (const prefix of ['%', '_', '']) {
      const r = scg(['runs', 'show', prefix, '--db', db]);
      assert.equal(r.status, 2, `'${prefix}'`);
      assert.match(r.stderr, /too short to look up/);
    }
    assert.match(scg(['runs', 'show', '%%%%', '--db', db]).stderr, /no run '%%%%'/);
    assert.match(
      scg(['sample', '____', '--text', 'a red circle', '--out', path.join(dir, 'x.png'), '--db', db]).stderr,
      /no run '____'/,
    );
    const ambiguous = scg(['runs', 'show', id!.slice(0, 8), '--db', db]);
    assert.equal(ambiguous.status, 2);
    assert.match(ambiguous.stderr, new RegExp(`matches 2 runs: ${id}, ${id}-2`));
  });
});
