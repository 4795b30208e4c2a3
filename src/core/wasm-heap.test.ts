// The wasm heap's real failure (two tensors of 2.4 GB each on the wasm backend) is recognised as running out of
// heap and reported as bad input with the way out; other failures, other backends and small heaps are left alone.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {initBackend} from './backend';
import {isWasmHeapExhausted, wasmHeapError} from './wasm-heap';

describe('wasm heap exhaustion', () => {
  it('is recognised when the wasm backend really runs out of its heap', async () => {
    await initBackend('wasm');
    let failure: unknown;
    const kept: tf.Tensor[] = [];
    try {
      for (let i = 0; i < 3 && failure === undefined; i++) kept.push(tf.ones([600, 1000, 1000])); // 2.4 GB each
    } catch (err) {
      failure = err;
    } finally {
      tf.dispose(kept);
    }
    assert.ok(failure, 'three 2.4 GB tensors do not fit 4 GiB');
    assert.equal(isWasmHeapExhausted(failure), true, String(failure));
    const reported = wasmHeapError(failure, 'run 3f2a');
    assert.ok(reported instanceof ScgError);
    assert.equal(reported.exitCode, 2);
    assert.match(
      reported.message,
      /^run 3f2a: the model does not fit the wasm backend's heap, which holds at most 4 GiB/,
    );
    assert.match(reported.hint ?? '', /runtime\.backend=torch/);
    assert.equal(isWasmHeapExhausted(failure, {backend: 'torch'}), false, 'only on wasm');
  });

  it('leaves other failures alone', () => {
    const runtimeError = Object.assign(new Error('memory access out of bounds'), {name: 'RuntimeError'});
    assert.equal(isWasmHeapExhausted(runtimeError, {backend: 'wasm', peakBytes: 200e6}), false, 'far below the heap');
    assert.equal(isWasmHeapExhausted(new TypeError('x is undefined'), {backend: 'wasm', peakBytes: 4e9}), false);
    assert.equal(isWasmHeapExhausted(runtimeError, {backend: 'wasm', peakBytes: 4e9}), true);
    const wrapped = new ScgError('RUN_FAILED', 'data-parallel step failed: thread 1: Aborted()', {cause: runtimeError});
    assert.equal(isWasmHeapExhausted(wrapped, {backend: 'wasm', peakBytes: 4e9}), true, 'through a worker thread');
  });
});
