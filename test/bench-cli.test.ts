// `scg bench` answers with timings of a config's steps and of the reference step (speed itself is not asserted).
import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {TINY_CONFIG} from './tiny';
import {torchPresent} from './support';

const BIN = path.resolve(__dirname, '../../bin/run.js');
const scg = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8'});

describe('scg bench', () => {
  it('times the pretraining and GAN steps of a config against their forward passes, on 1 and 2 threads', () => {
    const r = scg([
      'bench',
      TINY_CONFIG,
      '--steps',
      '1',
      '--profile',
      '--json',
      '--set',
      'runtime.threads=2',
      '--backend',
      'wasm',
    ]);
    assert.equal(r.status, 0, r.stderr);
    type Res = {
      threads: number;
      scaling?: number;
      stepMs: number;
      forwardMs: number | null;
      stepOverForward: number;
      imagesPerSecond: number;
      topKernels: {kernel: string; ms: number; calls: number}[];
      allKernels?: {calls: number; ms: number};
    };
    const report = JSON.parse(r.stdout) as {backend: string; results: Record<string, Res>};
    assert.equal(report.backend, 'wasm');
    assert.deepEqual(Object.keys(report.results), ['pretrain-1-thread', 'pretrain', 'train-1-thread', 'train']);
    const {train, pretrain, ...oneThread} = report.results;
    for (const res of [pretrain!, train!]) {
      assert.equal(res.threads, 2);
      assert.ok(
        res.stepMs > 0 && res.imagesPerSecond > 0 && res.forwardMs === null,
        'a 2-thread step has no forward-only timing',
      );
      assert.ok(Number.isFinite(res.scaling) && res.scaling! > 0, `scaling ${res.scaling}`);
    }
    for (const res of Object.values(oneThread)) {
      assert.equal(res.threads, 1);
      assert.ok(res.stepMs > 0 && res.forwardMs! > 0 && res.imagesPerSecond > 0);
      assert.ok(Math.abs(res.stepOverForward - res.stepMs / res.forwardMs!) < 1e-9);
      assert.ok(res.topKernels.length > 0 && res.topKernels.every((k) => k.kernel.length > 0));
      // The totals cover every kernel of the profiled step, so at least the top ones.
      const top = res.topKernels.reduce((a, k) => ({calls: a.calls + k.calls, ms: a.ms + k.ms}), {calls: 0, ms: 0});
      assert.ok(res.allKernels!.calls >= top.calls && res.allKernels!.ms >= top.ms - 1e-9, JSON.stringify(res));
    }
  });

  it('runs the reference step on 1 and 2 threads with their scaling, and needs a config or --reference', () => {
    const r = scg([
      'bench',
      '--reference',
      '--res',
      '16',
      '--batch',
      '4',
      '--steps',
      '1',
      '--rounds',
      '1',
      '--threads',
      '2',
      '--json',
      '--backend',
      'wasm',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      threads: number;
      scaling: number;
      results: Record<string, {imagesPerSecond: number}>;
    };
    assert.equal(report.threads, 2);
    assert.deepEqual(Object.keys(report.results).sort(), ['reference', 'reference-1-thread']);
    assert.ok(Number.isFinite(report.scaling) && report.scaling > 0, `scaling ${report.scaling}`);
    const bad = scg(['bench']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /give a config to time, or --reference/);
  });

  it(
    "on torch: each phase on libtorch's threads and on one, with their paired scaling, and the tiny-op cost",
    {skip: torchPresent() ? false : 'the torch addon is not built here'},
    () => {
      const r = scg([
        'bench',
        TINY_CONFIG,
        '--steps',
        '1',
        '--json',
        '--backend',
        'torch',
        '--threads',
        '2',
        '--tiny-op',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as {
        backend: string;
        threads: number;
        tinyOpMicros: number;
        results: Record<string, {threads: number; stepMs: number; forwardMs: number; scaling?: number}>;
      };
      assert.equal(report.backend, 'torch');
      assert.equal(report.threads, 2);
      assert.deepEqual(Object.keys(report.results), ['pretrain-1-thread', 'pretrain', 'train-1-thread', 'train']);
      for (const [name, res] of Object.entries(report.results)) {
        const one = name.endsWith('-1-thread');
        assert.equal(res.threads, one ? 1 : 2, name);
        assert.ok(res.stepMs > 0 && res.forwardMs > 0, name);
        if (one) assert.equal(res.scaling, undefined, name);
        else assert.ok(res.scaling! > 0 && Number.isFinite(res.scaling), `${name}: scaling ${res.scaling}`);
      }
      assert.ok(report.tinyOpMicros > 0 && Number.isFinite(report.tinyOpMicros));
    },
  );

  it(
    'on torch: --adam times one Adam update of the 52 M parameters of two 256-px discriminator convolutions',
    {skip: torchPresent() ? false : 'the torch addon is not built here'},
    () => {
      const r = scg(['bench', '--adam', '--json', '--backend', 'torch', '--threads', '2']);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(r.stdout) as {adam: {params: number; ms: number; torch?: unknown}};
      assert.equal(report.adam.params, 4 * 4 * 1024 * 2048 + 3 * 3 * 2048 * 1024);
      assert.ok(report.adam.ms > 0 && Number.isFinite(report.adam.ms), `${report.adam.ms} ms`);
      assert.equal(report.adam.torch, undefined, 'PyTorch only with --torch');
    },
  );

  it('npm run bench refuses at once, writing nothing, when the PyTorch peer cannot run', () => {
    const page = path.resolve(__dirname, '../../docs/performance.md');
    const before = fs.statSync(page).mtimeMs;
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../src/bench/report.js')], {
      encoding: 'utf8',
      env: {...process.env, SCG_PYTHON: '/nonexistent/python3', SCG_BENCH_WITHOUT_PYTORCH: ''},
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /compares scg with PyTorch, but \/nonexistent\/python3 cannot run/);
    assert.match(r.stderr, /apt-get install -y python3-torch/);
    assert.match(r.stderr, /SCG_BENCH_WITHOUT_PYTORCH=1/);
    assert.equal(fs.statSync(page).mtimeMs, before, 'docs/performance.md untouched');
  });
});
