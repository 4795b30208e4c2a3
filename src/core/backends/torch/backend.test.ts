// The torch backend as a user meets it: checkpoints that move between wasm and torch, seeded determinism, and the
// bad-input paths (no addon, a version mismatch, a CUDA device that is not there, a bad SCG_LIBTORCH).
import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {scg} from '../../../../test/cli-support';
import {torchPresent, useBackend} from '../../../../test/support';
import {TINY_CONFIG, tinyBackbone, tinyEncoders, tinyExperiment} from '../../../../test/tiny';
import {tensorPeakBytes} from '../../backend';
import {readCheckpoint, writeCheckpoint} from '../../checkpoint';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {buildDir, loadAddon, PACKAGE_ROOT} from './addon';

const skip = torchPresent() ? false : 'the torch addon is not built here';
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('torch backend', {skip}, () => {
  for (const [from, to] of [
    ['wasm', 'torch'],
    ['torch', 'wasm'],
  ] as const) {
    it(`a GAN checkpoint written on ${from} resumes on ${to}: same state, and the next step's losses agree`, async () => {
      await useBackend(from);
      const {config, dataset} = await tinyExperiment([tinyBackbone('attngan')]);
      const enc = await tinyEncoders(config, dataset);
      const a = buildGan(config, dataset, enc.encoders);
      a.step(0);
      const file = path.join(tmp('scg-port-'), 'g.ckpt');
      const {sha256} = writeCheckpoint(
        file,
        {
          runId: 'r',
          configHash: 'h',
          phase: 'train',
          step: 1,
          rng: {seed: 0, scheme: 'keyed-sfc32'},
          extra: a.stateExtra(),
        },
        a.stateTensors(),
      );
      const state = new Map([...a.stateTensors()].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
      const encState = new Map([...enc.params.variables].map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
      const expected = a.step(1);
      a.dispose();
      enc.params.dispose();

      await useBackend(to);
      const enc2 = await tinyEncoders(config, dataset);
      for (const [k, v] of enc2.params.variables) v.assign(tf.tensor(encState.get(k)!, v.shape));
      const b = buildGan(config, dataset, enc2.encoders);
      b.restore(readCheckpoint(file, sha256), file);
      for (const [name, t] of b.stateTensors())
        assert.deepEqual(Float32Array.from(t.dataSync()), state.get(name), name);
      const got = b.step(1);
      for (const [k, v] of Object.entries(expected))
        assert.ok(
          Math.abs(got[k]! - v) <= 1e-3 * Math.max(1, Math.abs(v)),
          `${k}: ${got[k]} on ${to} vs ${v} on ${from}`,
        );
      b.dispose();
      enc2.params.dispose();
    });
  }

  it("runtime.threads reaches OpenBLAS's own thread pool too, not only ATen's", async () => {
    await useBackend('torch');
    const loaded = loadAddon();
    assert.ok(loaded.ok, 'the addon loads where this suite runs');
    const {addon} = loaded;
    const openblas = fs.readFileSync('/proc/self/maps', 'utf8').includes('libopenblas');
    const before = addon.Info().threads;
    try {
      for (const n of [1, 2, 1]) {
        addon.SetThreads(n);
        const info = addon.Info();
        assert.equal(info.threads, n);
        assert.equal(
          info.blasThreads,
          openblas ? n : -1,
          openblas ? 'OpenBLAS follows' : 'no OpenBLAS: reported as -1',
        );
      }
    } finally {
      addon.SetThreads(before);
    }
  });

  it('a seeded GAN run on torch CPU gives the same losses twice, bit for bit', async () => {
    await useBackend('torch');
    const run = async () => {
      const {config, dataset} = await tinyExperiment([tinyBackbone('dmgan')]);
      const enc = await tinyEncoders(config, dataset);
      const t = buildGan(config, dataset, enc.encoders);
      const losses = [t.step(0), t.step(1), t.step(2)];
      t.dispose();
      enc.params.dispose();
      return losses;
    };
    assert.deepEqual(await run(), await run());
  });

  it('the tensor peak of a window counts what was alive at once in it, and the next window starts from what is alive', async () => {
    await useBackend('torch');
    tensorPeakBytes();
    const before = tensorPeakBytes()!; // an empty window: what other tests left alive
    const kept = tf.zeros([256, 1024]); // 1 MiB, alive across both windows
    const big = tf.ones([1024, 1024]); // 4 MiB, freed within the first
    const sum = big.sum();
    big.dispose();
    const first = tensorPeakBytes()!;
    sum.dispose();
    const second = tensorPeakBytes()!;
    kept.dispose();
    const MiB = 2 ** 20;
    assert.ok(first - before >= 5 * MiB, `the first window held 5 MiB more at once: ${first} vs ${before}`);
    assert.ok(
      second - before >= MiB && second - before < 2 * MiB,
      `the second only what stayed alive (1 MiB more): ${second} vs ${before}`,
    );
  });

  it('a full allocator cache makes room for the sizes in use by evicting the sizes asked for least recently', () => {
    // A child with a 4 MiB cache: four 1 MiB blocks fill it, then a 1.5 MiB tensor is made and freed ten times.
    // Its first block is mapped; freeing it evicts 1 MiB blocks (asked for longer ago) so it fits, and the nine
    // after it come from the cache. Before, the cache kept the old blocks and every 1.5 MiB block was mapped anew.
    const child = `
      const tf = require('@tensorflow/tfjs');
      require(process.argv[1]).initBackend('torch', {threads: 1}).then(() => {
        const addon = tf.backend().addon;
        for (const t of [0, 1, 2, 3].map(() => tf.zeros([2 ** 18]))) t.dispose();
        const before = addon.CacheStats();
        for (let i = 0; i < 10; i++) tf.zeros([3 * 2 ** 17]).dispose();
        console.log(JSON.stringify({before, after: addon.CacheStats()}));
      });`;
    const r = spawnSync(process.execPath, ['-e', child, path.join(__dirname, '../../backend')], {
      encoding: 'utf8',
      env: {...process.env, SCG_TORCH_CACHE_MB: '4'},
    });
    assert.equal(r.status, 0, r.stderr);
    type Stats = {hits: number; misses: number; evictions: number; cachedBytes: number};
    const {before, after} = JSON.parse(r.stdout.trim().split('\n').pop()!) as {before: Stats; after: Stats};
    assert.equal(before.cachedBytes, 4 * 2 ** 20, 'the four 1 MiB blocks fill the cache');
    assert.equal(after.misses - before.misses, 1, JSON.stringify({before, after}));
    assert.equal(after.hits - before.hits, 9, JSON.stringify({before, after}));
    assert.equal(after.evictions - before.evictions, 2, JSON.stringify({before, after}));
    assert.equal(after.cachedBytes, 3.5 * 2 ** 20, 'two 1 MiB blocks and the 1.5 MiB one');
  });
});

describe('torch backend: bad input', () => {
  it('runtime.backend: torch without the addon is exit 2 naming what is missing and the install command, and writes no store', () => {
    const dir = tmp('scg-notorch-');
    const db = path.join(dir, 'experiments.db');
    const r = scg(['run', TINY_CONFIG, '--db', db, '--set', 'runtime.backend=torch'], {
      SCG_TORCH_BUILD_DIR: path.join(dir, 'none'),
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /runtime.backend is 'torch' but the libtorch addon is not built/);
    assert.match(r.stderr, /apt-get install libtorch-dev libopenblas0-pthread/);
    assert.equal(fs.existsSync(db), false, 'a store was created');
  });

  it('auto without the addon lands on wasm and says why torch was not used', () => {
    const dir = tmp('scg-notorch-');
    const r = scg(['doctor'], {SCG_TORCH_BUILD_DIR: path.join(dir, 'none')});
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^backend: wasm/);
    assert.match(r.stdout, /torch: not used: the libtorch addon is not built/);
  });

  it('an addon built for another libtorch version is refused at load with a clear message, not a crash', {skip}, () => {
    const dir = tmp('scg-mismatch-');
    fs.mkdirSync(path.join(dir, 'Release'));
    fs.copyFileSync(path.join(buildDir(), 'Release', 'scg_torch.node'), path.join(dir, 'Release', 'scg_torch.node'));
    const build = JSON.parse(fs.readFileSync(path.join(buildDir(), 'libtorch.json'), 'utf8')) as {version: string};
    fs.writeFileSync(path.join(dir, 'libtorch.json'), JSON.stringify({...build, version: '0.9.0'}));
    const r = scg(['doctor', '--backend', 'torch'], {SCG_TORCH_BUILD_DIR: dir});
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `built against libtorch 0\\.9\\.0 .* which now holds ${build.version.replace(/\./g, '\\.')}; rebuild it with`,
      ),
    );
  });

  it('runtime.device: cuda where libtorch sees no GPU is exit 2 with the reason, and writes no store', {skip}, () => {
    const db = path.join(tmp('scg-cuda-'), 'experiments.db');
    const r = scg(['run', TINY_CONFIG, '--db', db, '--set', 'runtime.device=cuda', '--set', 'runtime.backend=auto']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /runtime.device is 'cuda' but this libtorch sees no CUDA device/);
    assert.equal(fs.existsSync(db), false);
  });

  it('runtime.device: gpu is a config error naming the allowed values', () => {
    const r = scg(['validate', TINY_CONFIG, '--set', 'runtime.device=gpu']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /runtime\.device/);
  });

  it('SCG_LIBTORCH pointing at a folder without libtorch: the install step succeeds and says why it skipped', () => {
    const empty = tmp('scg-nolibtorch-');
    const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'native', 'build.js'), '--find'], {
      encoding: 'utf8',
      env: {...process.env, SCG_LIBTORCH: empty},
    });
    assert.equal(r.status, 0);
    assert.match(r.stderr, new RegExp(`libtorch not found \\(SCG_LIBTORCH: no ATen/ATen.h under ${empty}/include\\)`));
  });
});
