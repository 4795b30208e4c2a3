import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import {factorAccuracy, labelAccuracy} from './label-accuracy';

describe('label accuracy', () => {
  it('single-label: the share of images whose top-1 class is the true class', () => {
    const probs = [
      [0.7, 0.2, 0.1], // 0 ✓
      [0.1, 0.3, 0.6], // 2 ✗ (truth 1)
      [0.2, 0.5, 0.3], // 1 ✓
      [0.4, 0.4, 0.2], // tie: the first, 0 ✗ (truth 1)
    ];
    assert.equal(labelAccuracy(probs, [0, 1, 1, 1], 'single'), 0.5);
  });

  it('label sets: the mean F1 of the categories at probability 0.5 or above against the true set', () => {
    const probs = [
      [0.9, 0.8, 0.1], // {0, 1} vs {0, 1}: F1 1
      [0.9, 0.2, 0.6], // {0, 2} vs {0}: 2·1/(2+1) = 2/3
      [0.1, 0.2, 0.3], // {} vs {1}: 0
      [0.5, 0.49, 0.0], // {0} vs {0, 1}: 2/3 (0.5 counts, 0.49 does not)
    ];
    const got = labelAccuracy(probs, [[0, 1], [0], [1], [0, 1]], 'multi');
    assert.ok(Math.abs(got - (1 + 2 / 3 + 0 + 2 / 3) / 4) < 1e-12, String(got));
  });

  it("a factor: right when the top-1 class shares the true class's value of it", () => {
    // classes: 0 red circle, 1 blue circle, 2 red square, 3 blue square; shape = c >> 1, colour = c & 1
    const shape = [0, 0, 1, 1];
    const colour = [0, 1, 0, 1];
    const probs = [
      [0, 1, 0, 0], // blue circle for a red circle: shape right, colour wrong
      [0, 0, 0, 1], // blue square for a blue square: both right
      [1, 0, 0, 0], // red circle for a blue square: both wrong
    ];
    const truth = [0, 3, 3];
    assert.equal(factorAccuracy(probs, truth, shape), 2 / 3);
    assert.equal(factorAccuracy(probs, truth, colour), 1 / 3);
    assert.equal(labelAccuracy(probs, truth, 'single'), 1 / 3);
  });

  it('refuses mismatched or empty inputs', () => {
    assert.throws(() => labelAccuracy([[1]], [0, 0], 'single'), /1 predictions for 2 labels/);
    assert.throws(() => labelAccuracy([], [], 'single'), /no images/);
    assert.throws(() => factorAccuracy([[1]], [], [0]), /1 predictions for 0 labels/);
  });
});
