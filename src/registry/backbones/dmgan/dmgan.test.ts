import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useBestBackend} from '../../../../test/support';
import {ParamSet} from '../../../nn/params';
import {Rng} from '../../../core/rng';
import {MemoryStage} from './memory-stage';

describe('dmgan memory stage', () => {
  before(useBestBackend);

  it('gates lie in (0, 1), addressing is a distribution over real words, and the write gate depends on the image', () => {
    const params = new ParamSet('g', Rng.for(0, 'dm'));
    const stage = new MemoryStage(params, 'stage1', 4, 6, 1);
    tf.tidy(() => {
      const h = tf.tensor4d(seededValues(2 * 3 * 3 * 4, 1), [2, 3, 3, 4]);
      const words = tf.tensor3d(seededValues(2 * 5 * 6, 2), [2, 5, 6]);
      const mask = tf.tensor2d([
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1],
      ]);
      const r = stage.read(h, words, mask);
      for (const g of [r.writeGate, r.responseGate]) {
        assert.ok(tf.min(g).dataSync()[0]! > 0 && tf.max(g).dataSync()[0]! < 1);
      }
      assert.deepEqual(r.writeGate.shape, [2, 5, 1]);
      assert.deepEqual(r.responseGate.shape, [2, 3, 3, 1]);
      const a = r.addressing.arraySync();
      a[0]!.forEach((loc) => {
        assert.ok(Math.abs(loc.reduce((s, v) => s + v, 0) - 1) < 1e-5);
        assert.deepEqual(loc.slice(3), [0, 0]);
      });
      // The response gate mixes: the fused features lie between h and the memory output, not equal to h.
      assert.ok(tf.max(tf.abs(tf.sub(r.h, h))).dataSync()[0]! > 0);
      const other = stage.read(tf.mul(h, 3) as tf.Tensor4D, words, mask);
      assert.ok(
        tf.max(tf.abs(tf.sub(other.writeGate, r.writeGate))).dataSync()[0]! > 1e-6,
        'write gate sees the pooled image',
      );
    });
    params.dispose();
  });
});
