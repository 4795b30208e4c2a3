// The library entry: `import {supConLoss} from 'scg'` resolves through package.json's exports map.
import {strict as assert} from 'node:assert';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {describe, it} from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

describe('package entry', () => {
  it('exports the losses to CommonJS and ESM importers from the repo root', () => {
    const cjs = spawnSync(
      process.execPath,
      [
        '-e',
        "const s = require('scg'); console.log([typeof s.supConLoss, typeof s.ntXentLoss, typeof s.labelCrossEntropyLoss].join())",
      ],
      {cwd: ROOT, encoding: 'utf8'},
    );
    assert.equal(cjs.stdout.trim(), 'function,function,function', cjs.stderr);
    const esm = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "import {supConLoss} from 'scg'; console.log(typeof supConLoss)"],
      {cwd: ROOT, encoding: 'utf8'},
    );
    assert.equal(esm.stdout.trim(), 'function', esm.stderr);
  });

  it('computes a loss through the public entry', () => {
    const code =
      "const tf = require('@tensorflow/tfjs'); const {supConLoss, initBackend} = require('scg');" +
      "initBackend('wasm').then(() => { const l = supConLoss(tf.tensor3d([[[1, 0]], [[0, 1]], [[1, 0]]]), {labels: [0, 0, 1], temperature: 1, baseTemperature: 1}); console.log(l.dataSync()[0].toFixed(6)); });";
    const r = spawnSync(process.execPath, ['-e', code], {cwd: ROOT, encoding: 'utf8'});
    assert.equal(r.stdout.trim(), ((Math.log(1 + Math.E) + Math.log(2)) / 3).toFixed(6), r.stderr);
  });
});
