import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {useBestBackend} from '../../test/support';
import {tinyEncoders, tinyExperiment} from '../../test/tiny';
import {probeEncoders} from './encoder-probe';

describe('encoder probe', () => {
  before(useBestBackend);

  it('measures the codes against the clean labels: label noise in training does not move it', async () => {
    const clean = await tinyExperiment(['dataset.size=96']);
    const noisy = await tinyExperiment(['dataset.size=96', 'dataset.labelNoise=0.5']);
    const flipped = (noisy.dataset.train.labels as number[]).filter(
      (l, i) => l !== (noisy.dataset.train.cleanLabels as number[])[i],
    ).length;
    assert.ok(flipped >= noisy.dataset.train.count / 4, `${flipped} of ${noisy.dataset.train.count} labels noisy`);
    const enc = await tinyEncoders(clean.config, clean.dataset);
    const before = tf.memory().numTensors;
    const a = probeEncoders(enc.encoders, clean.dataset);
    const b = probeEncoders(enc.encoders, noisy.dataset);
    assert.ok(a && a !== 'non-finite' && b && b !== 'non-finite');
    assert.deepEqual(b, a);
    assert.ok(a.text >= 0 && a.text <= 1 && a.image >= 0 && a.image <= 1);
    assert.equal(tf.memory().numTensors, before);
    enc.params.dispose();
  });
});
