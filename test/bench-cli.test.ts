// `scg bench` answers with timings of a config's steps and of the reference step (speed itself is not asserted).
import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {TINY_CONFIG} from './tiny';

const BIN = path.resolve(__dirname, '../../bin/run.js');
const scg = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8'});

describe('scg bench', () => {
  it('times the pretraining and GAN steps of a config against their forward passes', () => {
    const r = scg(['bench', TINY_CONFIG, '--steps', '1', '--profile', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {backend: string; results: Record<string, {stepMs: number; forwardMs: number; stepOverForward: number; imagesPerSecond: number; topKernels: {kernel: string}[]}>};
    assert.equal(report.backend, 'wasm');
    assert.deepEqual(Object.keys(report.results), ['pretrain', 'train']);
    for (const res of Object.values(report.results)) {
      assert.ok(res.stepMs > 0 && res.forwardMs > 0 && res.imagesPerSecond > 0);
      assert.ok(Math.abs(res.stepOverForward - res.stepMs / res.forwardMs) < 1e-9);
      assert.ok(res.topKernels.length > 0 && res.topKernels.every((k) => k.kernel.length > 0));
    }
  });

  it('runs the reference step, and needs a config or --reference', () => {
    const r = scg(['bench', '--reference', '--res', '16', '--batch', '2', '--steps', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as {results: {reference: {imagesPerSecond: number}}}).results.reference.imagesPerSecond > 0);
    const bad = scg(['bench']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /give a config to time, or --reference/);
  });
});
