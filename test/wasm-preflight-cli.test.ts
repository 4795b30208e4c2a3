// A run at 128 px or more on wasm probes a step of each phase (batch 2) before it creates its run row.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {scg} from './cli-support';
import {TINY_CONFIG} from './tiny';

describe('scg run on wasm at 128 px', () => {
  it('estimates both phases per thread before the run starts, and trains when they fit', () => {
    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-preflight-')), 'experiments.db');
    const r = scg([
      'run',
      TINY_CONFIG,
      '--db',
      db,
      '--set',
      'dataset.resolution=128',
      '--set',
      'runtime.backend=wasm',
      '--set',
      'phases=[pretrain, train]',
      '--set',
      'pretrain.steps=1',
      '--set',
      'train.steps=1',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const pre = at(/^wasm preflight: pretrain needs about [\d.]+ GiB of tensors per thread at \d+ rows$/);
    const train = at(/^wasm preflight: train needs about [\d.]+ GiB of tensors per thread at \d+ rows$/);
    const started = at(/^run \S+ \(tiny\) started/);
    assert.ok(pre >= 0 && train > pre && started > train, r.stderr);
  });
});
