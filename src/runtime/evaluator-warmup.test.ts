// The background evaluator: a run that trains it on a spare core stores the same metrics as one that trains it
// itself, and a stopped background process leaves no lock or folder behind.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {currentBackend} from '../core/backend';
import {processAlive} from '../core/process-alive';
import {evaluators} from '../registry';
import {scg, query} from '../../test/cli-support';
import {TINY_CONFIG, TINY_EVAL_SETS, tinyExperiment} from '../../test/tiny';
import {BEST_BACKEND, useBestBackend} from '../../test/support';
import {startEvaluatorWarmup, WARMUP_ENV} from './evaluator-warmup';

/** A tiny [pretrain, train, eval] run in a fresh store, with the background evaluator forced on or off. */
function tinyRun(warmup: '0' | '1'): {stderr: string; metrics: {key: string; value: number}[]; cache: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-warmup-'));
  const db = path.join(dir, 'experiments.db');
  const r = scg(['run', TINY_CONFIG, '--db', db, ...TINY_EVAL_SETS, '--set', `runtime.backend=${BEST_BACKEND}`], {
    [WARMUP_ENV]: warmup,
  });
  assert.equal(r.status, 0, r.stderr);
  const metrics = query<{key: string; value: number}>(
    db,
    "SELECT key, value FROM metrics WHERE phase = 'eval' ORDER BY key",
  );
  return {stderr: r.stderr, metrics, cache: path.join(dir, 'cache', 'evaluators')};
}

/** Runs `fn` with SCG_EVALUATOR_WARMUP set to `value`, then puts the variable back. */
function withWarmupEnv<T>(value: string, fn: () => T): T {
  const saved = process.env[WARMUP_ENV];
  process.env[WARMUP_ENV] = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env[WARMUP_ENV];
    else process.env[WARMUP_ENV] = saved;
  }
}

describe('evaluator warm-up in a background process', () => {
  it('a run with it stores the same metrics as one without; its lines reach the run; nothing is left running', () => {
    // Either side may train the weights here (the tiny run reaches its evaluation within seconds): the lock decides.
    const warm = tinyRun('1');
    const pid = Number(/training its weights in a background process \((\d+),/.exec(warm.stderr)?.[1]);
    assert.ok(pid > 0, warm.stderr);
    assert.match(warm.stderr, /evaluator builtin: test accuracy/);
    assert.equal(processAlive(pid), false, 'the background process has exited when the run returns');
    assert.deepEqual(
      fs.readdirSync(warm.cache).filter((f) => f.endsWith('.lock')),
      [],
    );
    const cold = tinyRun('0');
    assert.doesNotMatch(cold.stderr, /background process/);
    assert.match(cold.stderr, /evaluator builtin: training a/);
    assert.ok(cold.metrics.length >= 4, 'the eval phase stored its metrics');
    assert.deepEqual(warm.metrics, cold.metrics, 'the same evaluator weights, so the same metrics');
  });

  it('caches the weights the run would have trained itself', async () => {
    await useBestBackend();
    const {config, dataset} = await tinyExperiment(['phases=[pretrain, train, eval]', 'eval.builtinSteps=10']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-warmup-'));
    const lines: string[] = [];
    const warmup = withWarmupEnv('1', () =>
      startEvaluatorWarmup({
        config,
        dataset,
        backend: currentBackend()!,
        cacheDir: path.join(dir, 'warm'),
        log: (l) => lines.push(l),
      }),
    );
    assert.ok(warmup);
    assert.equal(await warmup.done, true, lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`test accuracy`) && l.includes(`(background process ${warmup.pid})`)));
    const build = (cacheDir: string, log: (l: string) => void) =>
      evaluators.get('builtin').build({config, dataset, cacheDir, log});
    const seen: string[] = [];
    const fromChild = await build(path.join(dir, 'warm'), (l) => seen.push(l));
    assert.ok(
      seen.some((l) => l.includes('cached weights')),
      seen.join('\n'),
    );
    const here = await build(path.join(dir, 'cold'), () => undefined);
    const images = tf.randomUniform([4, 16, 16, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    const a = fromChild.extract(images);
    const b = here.extract(images);
    assert.deepEqual(a.features.dataSync(), b.features.dataSync(), 'bit for bit: same backend, threads and seed');
    tf.dispose([images, a.features, a.probs, a.labels!, b.features, b.probs, b.labels!]);
    fromChild.dispose();
    here.dispose();
    assert.equal(fromChild.weightsSha256, here.weightsSha256);
  });

  it('stopped while it trains, it leaves no lock file and no folder it made', async () => {
    await useBestBackend();
    const before = tf.memory().numTensors;
    const {config, dataset} = await tinyExperiment(['phases=[pretrain, train, eval]', 'eval.builtinSteps=100000']);
    const cacheDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-warmup-')), 'cache');
    const lines: string[] = [];
    const warmup = withWarmupEnv('1', () =>
      startEvaluatorWarmup({config, dataset, backend: currentBackend()!, cacheDir, log: (l) => lines.push(l)}),
    );
    assert.ok(warmup, 'forced on, it starts');
    const evaluators = path.join(cacheDir, 'evaluators');
    const lock = () => fs.existsSync(evaluators) && fs.readdirSync(evaluators).some((f) => f.endsWith('.lock'));
    for (let waited = 0; !lock(); waited += 50) {
      assert.ok(waited < 60_000, `no lock file after a minute: ${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await warmup.stop();
    assert.equal(await warmup.done, false, 'stopped, it cached nothing');
    assert.equal(processAlive(warmup.pid), false);
    assert.equal(fs.existsSync(cacheDir), false, 'the lock and the folders made for it are gone');
    assert.ok(!lines.some((l) => /failed|exited/.test(l)), `a stop is not reported as a failure: ${lines.join('\n')}`);
    assert.equal(tf.memory().numTensors, before, 'the parent made no tensors for it');
  });

  it('starts nothing where it cannot help: off by the environment, no eval or training phase, or nothing to train', async () => {
    await useBestBackend();
    const {config, dataset} = await tinyExperiment(['phases=[pretrain, train, eval]', 'eval.builtinSteps=3']);
    const cacheDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-warmup-')), 'cache');
    const start = (c = config, env = '1') =>
      withWarmupEnv(env, () =>
        startEvaluatorWarmup({config: c, dataset, backend: currentBackend()!, cacheDir, log: () => undefined}),
      );
    assert.equal(start(config, '0'), undefined);
    assert.equal(start({...config, phases: ['pretrain', 'train']}), undefined, 'no eval phase: nothing to wait for');
    assert.equal(start({...config, phases: ['eval']}), undefined, 'no training phase: nothing to overlap with');
    const other = {...config, eval: {...config.eval, evaluator: 'inception-v3'}};
    assert.equal(start(other), undefined, 'an evaluator with no weights of its own to train');
    assert.equal(fs.existsSync(cacheDir), false, 'nothing written');
    const trained = await evaluators.get('builtin').build({config, dataset, cacheDir, log: () => undefined});
    trained.dispose();
    assert.equal(start(), undefined, 'its weights are cached already');
  });
});
