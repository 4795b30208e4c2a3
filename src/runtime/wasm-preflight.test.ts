import {strict as assert} from 'node:assert';
import {beforeEach, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {useWasm} from '../../test/support';
import {tinyExperiment} from '../../test/tiny';
import {ScgError} from '../errors';
import {extrapolate, wasmPreflight} from './wasm-preflight';

describe('wasm preflight (a large run on wasm checks the heap before it writes anything)', () => {
  beforeEach(useWasm);

  it('extrapolates the per-row part of a probe step, not the weights and their gradients', () => {
    // 100 held + 40 gradients + 2 rows × 30 = 200 at the probe; at 16 rows: 100 + 40 + 16 × 30 = 620
    assert.equal(extrapolate({rows: 2, heldBytes: 100, gradientBytes: 40, peakBytes: 200}, 16), 620);
    // a peak below held + gradients (nothing per row) estimates no more than that
    assert.equal(extrapolate({rows: 2, heldBytes: 100, gradientBytes: 40, peakBytes: 120}, 16), 140);
  });

  it('measures both phases at batch 2, frees what it built, and refuses a heap the estimate does not fit', async () => {
    const {config, dataset} = await tinyExperiment([
      'phases=[pretrain, train]',
      'train.batchSize=8',
      'runtime.threads=2',
    ]);
    const before = tf.memory().numTensors;
    const estimates = await wasmPreflight(config, dataset);
    assert.equal(tf.memory().numTensors, before, 'the probes leak nothing');
    assert.deepEqual(
      estimates.map((e) => e.phase),
      ['pretrain', 'train'],
    );
    const train = estimates[1]!;
    assert.equal(train.probeRows, 2);
    assert.equal(train.rows, 4, 'each of the 2 data-parallel threads holds half the batch');
    assert.ok(train.probePeakBytes > train.heldBytes && train.gradientBytes > 0);
    assert.ok(train.estimateBytes > train.probePeakBytes, 'more rows need more than the probe');
    const heap = train.estimateBytes / 0.85 - 1;
    await assert.rejects(
      wasmPreflight(config, dataset, heap),
      (e: unknown) =>
        e instanceof ScgError &&
        e.code === 'BAD_INPUT' &&
        /^train: a step at 4 rows per thread needs about .* more than the wasm heap's/.test(e.message) &&
        /torch backend/.test(e.hint ?? ''),
    );
    assert.equal(tf.memory().numTensors, before);
  });
});
