import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {relDiff, seededValues, useBestBackend} from '../../test/support';
import {damsmSentenceLoss, damsmWordLoss, damsmWordLossFromScores, damsmWordScores} from './damsm';

const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
const cos = (a: number[], b: number[]) => dot(a, b) / (Math.sqrt(dot(a, a)) * Math.sqrt(dot(b, b)));
/** CE of both directions over a [images][texts] score matrix, diagonal = match, masked pairs excluded. */
const twoWayCe = (s: number[][], masked: boolean[][]) => {
  const n = s.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = s[i]!.map((v, j) => (masked[i]![j] ? -1e9 : v));
    const col = s.map((r, j) => (masked[j]![i] ? -1e9 : r[i]!));
    loss -= Math.log(softmax(row)[i]!) / n + Math.log(softmax(col)[i]!) / n;
  }
  return loss;
};

/** AttnGAN's words_loss, caption by caption over its real words only, in float64. */
function referenceWordLoss(
  regions: number[][][],
  words: number[][][],
  lengths: number[],
  masked: boolean[][],
  g1 = 4,
  g2 = 5,
  g3 = 10,
): number {
  const n = regions.length;
  const scores = regions.map(() => new Array<number>(n).fill(0)); // [image][text]
  for (let i = 0; i < n; i++) {
    const w = words[i]!.slice(0, lengths[i]);
    for (let j = 0; j < n; j++) {
      const reg = regions[j]!;
      // attention: softmax over words for each region, then ×γ1 and softmax over regions for each word
      const overWords = reg.map((r) => softmax(w.map((wt) => dot(wt, r))));
      let sum = 0;
      w.forEach((wt, t) => {
        const attn = softmax(overWords.map((a) => a[t]! * g1));
        const ctx = wt.map((_, d) => attn.reduce((s, a, r) => s + a * reg[r]![d]!, 0));
        sum += Math.exp(g2 * cos(wt, ctx));
      });
      scores[j]![i] = g3 * Math.log(sum);
    }
  }
  return twoWayCe(scores, masked);
}

function nested(values: Float32Array, shape: [number, number, number]): number[][][] {
  const [a, b, c] = shape;
  return Array.from({length: a}, (_, i) =>
    Array.from({length: b}, (_, j) => Array.from(values.subarray((i * b + j) * c, (i * b + j + 1) * c))),
  );
}

describe('DAMSM losses', () => {
  before(useBestBackend);

  it('word loss matches the caption-by-caption reference, with padding and same-class masking', () => {
    const [n, r, t, d] = [3, 5, 4, 3];
    const reg = seededValues(n * r * d, 31);
    const wrd = seededValues(n * t * d, 32);
    const lengths = [4, 2, 3];
    const maskValues = lengths.flatMap((len) => Array.from({length: t}, (_, k) => (k < len ? 1 : 0)));
    const sameClass = [
      [false, false, true],
      [false, false, false],
      [true, false, false],
    ];
    const want = referenceWordLoss(nested(reg, [n, r, d]), nested(wrd, [n, t, d]), lengths, sameClass);
    const got = tf.tidy(
      () =>
        damsmWordLoss(tf.tensor3d(reg, [n, r, d]), tf.tensor3d(wrd, [n, t, d]), tf.tensor2d(maskValues, [n, t]), {
          sameClass,
        }).dataSync()[0]!,
    );
    assert.ok(relDiff(got, want) < 1e-4, `${got} vs reference ${want}`);
  });

  it('word scores of some captions against every image are those rows of the whole matrix (how data-parallel threads split it)', () => {
    const [n, r, t, d] = [4, 5, 4, 3];
    const regions = tf.tensor3d(seededValues(n * r * d, 41), [n, r, d]);
    const words = tf.tensor3d(seededValues(n * t * d, 42), [n, t, d]);
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0], [n, t]);
    const whole = tf.tidy(() => damsmWordScores(regions, words, mask).arraySync());
    const rows = tf.tidy(() =>
      damsmWordScores(
        regions,
        tf.slice(words, [1, 0, 0], [2, -1, -1]) as tf.Tensor3D,
        tf.slice(mask, [1, 0], [2, -1]) as tf.Tensor2D,
      ).arraySync(),
    );
    assert.equal(whole.length, 4);
    assert.equal(rows.length, 2);
    rows.forEach((row, k) =>
      row.forEach((v, j) =>
        assert.ok(Math.abs(v - whole[k + 1]![j]!) < 1e-5, `row ${k + 1}, image ${j}: ${v} vs ${whole[k + 1]![j]}`),
      ),
    );
    const sameClass = [
      [false, true, false, false],
      [true, false, false, false],
      [false, false, false, false],
      [false, false, false, false],
    ];
    const direct = tf.tidy(() => damsmWordLoss(regions, words, mask, {sameClass}).dataSync()[0]!);
    const fromRows = tf.tidy(() => damsmWordLossFromScores(tf.tensor2d(whole), {sameClass}).dataSync()[0]!);
    assert.ok(Math.abs(direct - fromRows) < 1e-5, `${direct} vs ${fromRows}`);
    assert.throws(() => damsmWordLossFromScores(tf.zeros([2, 3]) as tf.Tensor2D), /square/);
    tf.dispose([regions, words, mask]);
  });

  it('sentence loss by hand: two orthogonal pairs', () => {
    // cos matrix = identity; scores = 10·I; each direction: −log(e^10 / (e^10 + 1)).
    const expected = 2 * Math.log1p(Math.exp(-10));
    const got = tf.tidy(
      () =>
        damsmSentenceLoss(
          tf.tensor2d([
            [1, 0],
            [0, 2],
          ]),
          tf.tensor2d([
            [3, 0],
            [0, 1],
          ]),
        ).dataSync()[0]!,
    );
    assert.ok(Math.abs(got - expected) < 1e-6, `${got} vs ${expected}`);
  });

  it('has finite gradients with zero padding words', () => {
    const grads = tf.tidy(() => {
      const words = tf.concat(
        [tf.tensor3d(seededValues(2 * 2 * 3, 5), [2, 2, 3]), tf.zeros([2, 2, 3])],
        1,
      ) as tf.Tensor3D;
      const mask = tf.tensor2d([
        [1, 1, 0, 0],
        [1, 1, 0, 0],
      ]);
      return tf
        .grad((w: tf.Tensor) =>
          damsmWordLoss(tf.tensor3d(seededValues(2 * 4 * 3, 6), [2, 4, 3]), w as tf.Tensor3D, mask),
        )(words)
        .dataSync();
    });
    assert.ok(Array.from(grads).every(Number.isFinite));
  });
});
