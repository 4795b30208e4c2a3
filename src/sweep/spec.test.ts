// Sweep files: expansion (grid, zip, cells, exclude, seeds) and its counts, and the errors bad files get.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {ScgError} from '../errors';
import {configHash} from '../core/identity';
import {loadSweep, sweepSchema} from './spec';

const TINY = path.resolve(__dirname, '../../../test/fixtures/tiny.yaml');

/** Writes a sweep file whose base is the tiny fixture; returns its path. */
function sweepFile(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-sweep-'));
  const file = path.join(dir, 'sweep.yaml');
  fs.writeFileSync(file, `name: t\nbase: ${path.relative(dir, TINY)}\n${body}`);
  return file;
}

function errorOf(fn: () => unknown): ScgError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScgError, String(err));
    assert.equal(err.exitCode, 2);
    return err;
  }
  assert.fail('expected a BAD_INPUT error');
}

describe('sweep expansion', () => {
  it('grid × zip × seeds: counts, order (seeds outermost, last grid key fastest) and configs', () => {
    const s = loadSweep(
      sweepFile(`grid:
  contrastive.mode: [none, supcon]
  contrastive.lambda1: [0.5, 1.0, 2.0]
zip:
  contrastive.lambda2: [0.1, 0.2]
  contrastive.temperature: [0.1, 0.5]
seeds: [0, 7]
set: {pretrain: {steps: 2, batchSize: 4}, contrastive: {mode: supcon, lambda1: 1.0}}
`),
    );
    assert.equal(s.cells.length, 2 * 3 * 2 * 2);
    assert.deepEqual(s.axes, [
      'contrastive.mode',
      'contrastive.lambda1',
      'contrastive.lambda2',
      'contrastive.temperature',
    ]);
    assert.deepEqual(s.cells[0]!.assignment, {
      'contrastive.mode': 'none',
      'contrastive.lambda1': 0.5,
      'contrastive.lambda2': 0.1,
      'contrastive.temperature': 0.1,
      seed: 0,
    });
    assert.deepEqual(s.cells[1]!.assignment, {
      'contrastive.mode': 'none',
      'contrastive.lambda1': 0.5,
      'contrastive.lambda2': 0.2,
      'contrastive.temperature': 0.5,
      seed: 0,
    });
    assert.equal(s.cells[12]!.assignment['seed'], 7);
    const c = s.cells[13]!.loaded.config;
    assert.equal(c.seed, 7);
    assert.equal(c.contrastive.temperature, 0.5);
    assert.equal(c.pretrain.steps, 2, 'set applies to every cell');
    assert.equal(new Set(s.cells.map((x) => x.configHash)).size, s.cells.length);
    // every cell's config is its own object: expanding later cells must not change earlier ones
    for (const cell of s.cells) assert.equal(configHash(cell.loaded.config), cell.configHash);
    assert.deepEqual(
      s.cells.map((x) => x.index),
      s.cells.map((_, i) => i),
    );
  });

  it('a grid over a registry section switches whole entries, each with its defaults, and set keys apply on top', () => {
    const s = loadSweep(sweepFile('grid:\n  backbone: [attngan, ssagan, galip]\nset: {backbone.width: 4}\n'));
    assert.deepEqual(
      s.cells.map((c) => c.loaded.config.backbone.name),
      ['attngan', 'ssagan', 'galip'],
    );
    assert.ok(s.cells.every((c) => c.loaded.config.backbone['width'] === 4));
    assert.equal(s.cells[1]!.loaded.config.backbone['resBlocks'], undefined, 'no attngan key left in the ssagan cell');
    assert.match(
      errorOf(() => loadSweep(sweepFile('grid:\n  backbone: [attngan, galp]\n'))).message,
      /'galp' is not in the backbones registry/,
    );
  });

  it('cells are appended to the grid, exclude drops matches (also on defaults), duplicates are dropped once', () => {
    const s = loadSweep(
      sweepFile(`grid:
  contrastive.mode: [none, supcon]
  contrastive.temperature: [0.1, 0.5]
cells:
  - {contrastive.mode: ntxent, contrastive.temperature: 0.3}
  - {contrastive.mode: supcon, contrastive.temperature: 0.5}
exclude:
  - {contrastive.mode: none, contrastive.temperature: 0.5}
  - {contrastive.mode: ntxent, contrastive.lambda1: 1.0}
`),
    );
    // 4 grid cells − 1 excluded + 2 hand-picked − 1 excluded (lambda1 1.0 is the fixture's value) − 1 duplicate of a grid cell
    assert.equal(s.cells.length, 3);
    assert.equal(s.excluded, 2);
    assert.equal(s.duplicates, 1);
    assert.deepEqual(
      s.cells.map((c) => `${c.assignment['contrastive.mode']}/${c.assignment['contrastive.temperature']}`),
      ['none/0.1', 'supcon/0.1', 'supcon/0.5'],
    );
  });

  it('an exclude rule can drop a combination that would not validate', () => {
    const s = loadSweep(
      sweepFile(`grid:
  dataset.name: [shapes, shapes-multi]
  contrastive.mode: [supcon, supcon-multi]
exclude:
  - {dataset.name: shapes, contrastive.mode: supcon-multi}
  - {dataset.name: shapes-multi, contrastive.mode: supcon}
`),
    );
    assert.equal(s.cells.length, 2);
    const err = errorOf(() =>
      loadSweep(sweepFile('grid:\n  dataset.name: [shapes, shapes-multi]\n  contrastive.mode: [supcon]\n')),
    );
    assert.match(err.message, /sweep\.yaml:\d+:\d+: grid\.contrastive\.mode/);
    assert.match(err.message, /needs one label per image/);
  });

  it('the spec hash follows what runs: same file same hash, a changed value or base changes it', () => {
    const body = 'grid:\n  contrastive.mode: [none, supcon]\n';
    const a = loadSweep(sweepFile(body));
    assert.equal(loadSweep(sweepFile(`${body}# a comment\n`)).specHash, a.specHash);
    assert.notEqual(loadSweep(sweepFile('grid:\n  contrastive.mode: [none, ntxent]\n')).specHash, a.specHash);
    assert.notEqual(loadSweep(sweepFile(`${body}set: {pretrain.steps: 5}\n`)).specHash, a.specHash);
  });
});

describe('shipped sweeps', () => {
  it('every file in configs/sweeps loads, and schema/sweep.schema.json is current (regenerate: npx scg schema --sweep-out schema/sweep.schema.json)', () => {
    const root = path.resolve(__dirname, '../../..');
    const dir = path.join(root, 'configs/sweeps');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml')))
      assert.ok(loadSweep(path.join(dir, f)).cells.length > 0, f);
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(root, 'schema/sweep.schema.json'), 'utf8')),
      JSON.parse(JSON.stringify(sweepSchema())),
    );
  });
});

describe('bad sweep files', () => {
  it('a grid key that is not a config path is named, with its line and a did-you-mean', () => {
    const err = errorOf(() => loadSweep(sweepFile('grid:\n  contrastive.temprature: [0.1, 0.2]\n')));
    assert.match(
      err.message,
      /sweep\.yaml:4:3: grid\.contrastive\.temprature: `contrastive\.temprature` is not a config key/,
    );
    assert.match(err.hint ?? err.message, /did you mean `temperature`/);
  });

  it('unknown top-level key, unequal zip lengths, seed in grid, missing base: each with a line', () => {
    assert.match(
      errorOf(() => loadSweep(sweepFile('grids:\n  seed: [1]\n'))).message,
      /sweep\.yaml:3:1: grids: unknown key `grids`/,
    );
    const zip = errorOf(() =>
      loadSweep(sweepFile('zip:\n  contrastive.lambda2: [0.1, 0.2]\n  contrastive.temperature: [0.1]\n')),
    );
    assert.match(zip.message, /sweep\.yaml:3:1: zip: zip axes advance together, so they need equal lengths/);
    const seed = errorOf(() => loadSweep(sweepFile('grid:\n  seed: [0, 1]\n')));
    assert.match(seed.message, /grid\.seed: the seed is an axis of its own/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-sweep-'));
    const file = path.join(dir, 's.yaml');
    fs.writeFileSync(file, 'name: t\nbase: nowhere.yaml\nseeds: [0]\n');
    assert.match(errorOf(() => loadSweep(file)).message, /s\.yaml:2: base: .*nowhere\.yaml: cannot read the file/);
  });

  it('a value the config schema rejects points at the sweep line that set it', () => {
    const err = errorOf(() => loadSweep(sweepFile('grid:\n  contrastive.temperature: [0.1, -2]\n')));
    assert.match(
      err.message,
      /sweep\.yaml:4:3: grid\.contrastive\.temperature: contrastive\.temperature: must be > 0, but found -2/,
    );
  });

  it('everything excluded is an error, not an empty sweep', () => {
    assert.match(
      errorOf(() => loadSweep(sweepFile('grid:\n  contrastive.mode: [none]\nexclude:\n  - {contrastive.mode: none}\n')))
        .message,
      /every one of the 1 cells is excluded/,
    );
  });
});
