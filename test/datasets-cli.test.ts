// End-to-end on real-layout folders: scg data inspect, and tiny pretrain → train → eval runs on CUB and on COCO (supcon-multi).
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import Database from 'better-sqlite3';
import {makeCocoTree, makeCubTree} from './dataset-trees';
import {tinyBackbone} from './tiny';

/** What an evaluation with the builtin evaluator stores on a real dataset (no label factors there). */
const EVAL_KEYS = ['fid', 'is_mean', 'is_std', 'label_acc', 'label_acc_real', 'r_precision'];
import {scg} from './cli-support';

/** A tiny experiment on a dataset section, all three phases. */
function tinyConfig(dir: string, dataset: string, mode: string): string {
  const file = path.join(dir, 'exp.yaml');
  fs.writeFileSync(
    file,
    `name: real-${mode}
dataset: ${dataset}
encoders: {name: damsm, embedDim: 8, wordDim: 8, imageWidth: 4}
backbone: {name: attngan, stages: 2, width: 4, dWidth: 4, zDim: 8, condDim: 4, resBlocks: 1}
contrastive: {mode: ${mode}, lambda1: 1.0, temperature: 0.1}
pretrain: {steps: 3, batchSize: 4, checkpointEvery: 3, logEvery: 1}
train: {steps: 2, batchSize: 4, checkpointEvery: 2, logEvery: 1, sampleGrid: 4}
eval: {samples: 8, builtinSteps: 10}
runtime: {backend: wasm}
phases: [pretrain, train, eval]
`,
  );
  return file;
}

function metricKeys(db: string, runId: string): string[] {
  const conn = new Database(db, {readonly: true});
  try {
    return (
      conn.prepare("SELECT DISTINCT key FROM metrics WHERE run_id = ? AND phase = 'eval' ORDER BY key").all(runId) as {
        key: string;
      }[]
    ).map((r) => r.key);
  } finally {
    conn.close();
  }
}

describe('real datasets end to end', () => {
  it('CUB: data inspect reports the tree, tiny runs of every backbone train and evaluate on it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-cubrun-'));
    const tree = await makeCubTree(path.join(dir, 'CUB_200_2011'));
    fs.rmSync(path.join(tree.root, 'images', tree.images[11]!)); // one listed image is missing
    const cfg = tinyConfig(
      dir,
      `{name: cub, root: ${tree.root}, cacheDir: ${path.join(dir, 'cache')}, resolution: 16, skipBad: true}`,
      'supcon',
    );
    const inspect = scg(['data', 'inspect', cfg, '--json', '--preview', path.join(dir, 'p.png')]);
    assert.equal(inspect.status, 0, inspect.stderr);
    const r = JSON.parse(inspect.stdout) as {
      splits: {train: {images: number; perClass: Record<string, number>}; test: {images: number}};
      classes: number;
      skipped: {where: string}[];
      captionLengths: Record<string, number>;
    };
    assert.equal(r.classes, 3);
    assert.deepEqual([r.splits.train.images, r.splits.test.images], [6, 5]);
    assert.deepEqual(r.splits.train.perClass, {'Red Bird': 2, 'Green Bird': 2, 'Blue Bird': 2});
    assert.deepEqual(
      r.skipped.map((s) => s.where),
      ['images.txt:12'],
    );
    assert.deepEqual(r.captionLengths, {'11-15': 55});
    assert.ok(fs.statSync(path.join(dir, 'p.png')).size > 0);

    const db = path.join(dir, 'experiments.db');
    const run = scg(['run', cfg, '--db', db, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {status: string; runId: string};
    assert.equal(result.status, 'completed');
    assert.match(run.stderr, /decoded images from the cache/, 'inspect filled the cache the run uses');
    assert.deepEqual(metricKeys(db, result.runId), EVAL_KEYS);
    for (const name of ['dmgan', 'ssagan', 'galip']) {
      const other = scg([
        'run',
        cfg,
        '--db',
        db,
        '--json',
        '--set',
        tinyBackbone(name),
        '--set',
        'pretrain.steps=1',
        '--set',
        'train.steps=1',
      ]);
      assert.equal(other.status, 0, `${name}: ${other.stderr}`);
      const r2 = JSON.parse(other.stdout) as {status: string; runId: string};
      assert.equal(r2.status, 'completed', name);
      assert.equal(metricKeys(db, r2.runId).length, EVAL_KEYS.length, name);
    }
  });

  it('COCO: a tiny supcon-multi run trains and evaluates; a missing root exits 2 before any row', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-cocorun-'));
    const tree = await makeCocoTree(path.join(dir, 'coco'));
    const cfg = tinyConfig(
      dir,
      `{name: coco, root: ${tree.root}, cacheDir: ${path.join(dir, 'cache')}, resolution: 16, emptyLabels: empty}`,
      'supcon-multi',
    );
    const db = path.join(dir, 'experiments.db');
    const run = scg(['run', cfg, '--db', db, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {status: string; runId: string};
    assert.equal(result.status, 'completed');
    assert.deepEqual(metricKeys(db, result.runId), EVAL_KEYS);

    const missing = tinyConfig(
      dir,
      `{name: coco, root: ${path.join(dir, 'not-there')}, resolution: 16}`,
      'supcon-multi',
    );
    const bad = scg(['run', missing, '--db', path.join(dir, 'other.db')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /dataset\.root: .*not-there does not exist or is not a folder/);
    assert.equal(fs.existsSync(path.join(dir, 'other.db')), false, 'bad input creates no store');
    const noRoot = scg(['validate', tinyConfig(dir, '{name: coco, resolution: 16}', 'supcon-multi')]);
    assert.equal(noRoot.status, 2);
    assert.match(noRoot.stderr, /exp\.yaml:2:\d+: dataset\.root: missing required key `root`/);
  });
});
