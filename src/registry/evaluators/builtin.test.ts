import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {useBestBackend} from '../../../test/support';
import {tinyExperiment} from '../../../test/tiny';
import {evaluators} from '..';
import {evaluatorKey} from './builtin';

describe('builtin evaluator cache', () => {
  before(useBestBackend);

  it('keys on the clean data: label noise shares the evaluator, another dataset seed does not', () => {
    const opts = {width: 4, featureDim: 8, classes: 16};
    const base = {name: 'shapes', seed: 0, labelNoise: 0, resolution: 16};
    const k = evaluatorKey(base, opts, 10);
    assert.equal(evaluatorKey({...base, labelNoise: 0.25}, opts, 10), k);
    assert.notEqual(evaluatorKey({...base, seed: 1}, opts, 10), k);
    assert.notEqual(evaluatorKey(base, opts, 11), k);
    // A section without the key (an older or foreign dataset entry) hashes as written, not as one with noise 0.
    const {labelNoise: _, ...without} = base;
    assert.notEqual(evaluatorKey(without, opts, 10), k);
  });

  it('a run with label noise loads the classifier a clean run trained: same weights, so one protocol', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-builtin-'));
    const sets = ['eval.builtinSteps=3', 'eval.builtinWidth=2', 'eval.builtinFeatures=4'];
    const experiments = [await tinyExperiment(sets), await tinyExperiment([...sets, 'dataset.labelNoise=0.5'])];
    const build = (i: number, log: string[]) =>
      evaluators.get('builtin').build({...experiments[i]!, cacheDir: dir, log: (l) => log.push(l)});
    const before = tf.memory().numTensors;
    const cleanLog: string[] = [];
    const clean = await build(0, cleanLog);
    assert.ok(cleanLog.some((l) => /training a \d+-class classifier/.test(l)));
    const noisyLog: string[] = [];
    const noisy = await build(1, noisyLog);
    assert.ok(noisyLog.some((l) => /cached weights/.test(l)));
    assert.ok(!noisyLog.some((l) => /training a/.test(l)));
    assert.equal(noisy.weightsSha256, clean.weightsSha256);
    clean.dispose();
    noisy.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
