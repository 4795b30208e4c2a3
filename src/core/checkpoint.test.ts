import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import {useBestBackend} from '../../test/support';
import {tinyExperiment} from '../../test/tiny';
import {ScgError} from '../errors';
import {readCheckpoint, writeCheckpoint} from './checkpoint';
import {buildPretrain} from '../runtime/phases/pretrain';

describe('checkpoints', () => {
  before(useBestBackend);

  it('round-trip: identical weights and optimizer state, and the same next step', async () => {
    const {config, dataset} = await tinyExperiment();
    const a = await buildPretrain(config, dataset);
    a.step(0);
    a.step(1);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-ckpt-')), 'p.ckpt');
    const {sha256, bytes} = writeCheckpoint(
      file,
      {
        runId: 'r',
        configHash: 'h',
        phase: 'pretrain',
        step: 2,
        rng: {seed: 0, scheme: 'keyed-sfc32'},
        extra: a.stateExtra(),
      },
      a.stateTensors(),
    );
    assert.equal(fs.statSync(file).size, bytes);
    assert.ok(!fs.readdirSync(path.dirname(file)).some((f) => f.includes('.tmp')), 'no temp file left');

    const b = await buildPretrain(config, dataset);
    b.step(5); // different weights and optimizer state before the restore
    b.step(6);
    b.step(7);
    b.restore(readCheckpoint(file, sha256), file);
    for (const [name, t] of a.stateTensors())
      assert.deepEqual(b.stateTensors().get(name)!.dataSync(), t.dataSync(), name);
    assert.deepEqual(b.step(2), a.step(2));
    a.dispose();
    b.dispose();
  });

  it('detects a sha256 mismatch and names the file', async () => {
    const {config, dataset} = await tinyExperiment();
    const m = await buildPretrain(config, dataset);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-ckpt-')), 'p.ckpt');
    const {sha256} = writeCheckpoint(
      file,
      {runId: 'r', configHash: 'h', phase: 'pretrain', step: 0, rng: {seed: 0, scheme: 'keyed-sfc32'}, extra: {}},
      m.stateTensors(),
    );
    const data = fs.readFileSync(file);
    data[data.length - 1] = data[data.length - 1]! ^ 0xff;
    fs.writeFileSync(file, data);
    assert.throws(
      () => readCheckpoint(file, sha256),
      (e: unknown) =>
        e instanceof ScgError && e.code === 'BAD_INPUT' && e.message.includes(file) && /sha256/.test(e.message),
    );
    m.dispose();
  });
});
