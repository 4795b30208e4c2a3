import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {useBestBackend} from '../../test/support';
import {labelCrossEntropyLoss} from './label-cross-entropy';
import {ntXentLoss} from './ntxent';

describe('labelCrossEntropyLoss', () => {
  before(useBestBackend);

  it('single labels: softmax cross-entropy by hand', () => {
    const logits = tf.tensor2d([
      [0, Math.log(3)],
      [0, 0],
    ]);
    // Row 0, label 1: p = 3/4. Row 1, label 0: p = 1/2.
    const expected = -(Math.log(3 / 4) + Math.log(1 / 2)) / 2;
    const loss = labelCrossEntropyLoss(logits, [1, 0]);
    assert.ok(Math.abs(loss.dataSync()[0]! - expected) < 1e-6);
    tf.dispose([logits, loss]);
  });

  it('label sets: sigmoid BCE by hand, mean over batch and classes', () => {
    const logits = tf.tensor2d([
      [0, 2],
      [-1, 0],
    ]);
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const expected = -(Math.log(sig(0)) + Math.log(1 - sig(2)) + Math.log(1 - sig(-1)) + Math.log(sig(0))) / 4;
    const loss = labelCrossEntropyLoss(logits, [
      [1, 0],
      [0, 1],
    ]);
    assert.ok(Math.abs(loss.dataSync()[0]! - expected) < 1e-6);
    tf.dispose([logits, loss]);
  });

  it('rejects labels outside the classes and wrong shapes', () => {
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    assert.throws(
      () => labelCrossEntropyLoss(logits, [0, 3]),
      (e: unknown) => e instanceof InputError && /labels\[1\] is 3, outside \[0, 2\]/.test(e.message),
    );
    assert.throws(
      () =>
        labelCrossEntropyLoss(logits, [
          [1, 0],
          [0, 1],
        ]),
      /multiHot rows have 2 entries but logits has 3 classes/,
    );
    assert.throws(() => labelCrossEntropyLoss(logits, [0]), /labels has 1 entries but features has batch 2/);
    logits.dispose();
  });
});

describe('ntXentLoss', () => {
  before(useBestBackend);
  it('rejects branches of different shapes', () => {
    const a = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([4, 2]) as tf.Tensor2D;
    assert.throws(
      () => ntXentLoss(a, b),
      (e: unknown) => e instanceof InputError && /^ntXentLoss: a and b must have the same shape/.test(e.message),
    );
    tf.dispose([a, b]);
  });
});
