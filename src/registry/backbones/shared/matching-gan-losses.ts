// The AttnGAN family's adversarial losses (miscc/losses.py): per stage, BCE on unconditional and
// sentence-conditional logits, with a mismatched-caption term for D.
import * as tf from '@tensorflow/tfjs';
import type {LossTerms} from '../descriptor';
import {mismatchedPairs} from './mismatched';
import {bceWithLogits, type StageDiscriminator} from './stage-discriminator';

/**
 * Per stage and branch b: errD = (real + condReal_b)/2 + (fake_b + condFake_b + wrong_b)/3, where wrong pairs
 * real image i with sentence i+1 of the same branch. Summed over stages and both branches.
 */
export function matchingDiscriminatorLoss(
  ds: StageDiscriminator[],
  reals: tf.Tensor4D[],
  fakes: tf.Tensor4D[],
  sentences: [tf.Tensor2D, tf.Tensor2D],
): LossTerms {
  const parts = {d_real: [] as tf.Scalar[], d_fake: [] as tf.Scalar[], d_wrong: [] as tf.Scalar[]};
  ds.forEach((d, s) => {
    const realF = d.features(reals[s]!);
    const fakeF = d.features(fakes[s]!);
    const realU = bceWithLogits(d.uncond(realF), 1);
    const fakeU = tf.split(d.uncond(fakeF), 2);
    const fakeC = tf.split(d.cond(fakeF, tf.concat(sentences, 0) as tf.Tensor2D), 2);
    sentences.forEach((sent, b) => {
      const condReal = bceWithLogits(d.cond(realF, sent), 1);
      const pairs = mismatchedPairs(realF, sent);
      const wrong = pairs ? tf.mul(bceWithLogits(d.cond(pairs.x, pairs.sentences), 0), pairs.weight) : tf.scalar(0);
      parts.d_real.push(tf.div(tf.add(realU, condReal), 2) as tf.Scalar);
      parts.d_fake.push(tf.div(tf.add(bceWithLogits(fakeU[b]!, 0), bceWithLogits(fakeC[b]!, 0)), 3) as tf.Scalar);
      parts.d_wrong.push(tf.div(wrong, 3) as tf.Scalar);
    });
  });
  const terms = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, tf.addN(v) as tf.Scalar]));
  return {loss: tf.addN(Object.values(terms)) as tf.Scalar, terms};
}

/** Per stage and branch: BCE(uncond(fake), real) + BCE(cond(fake, sentence), real); summed. */
export function matchingGeneratorLoss(
  ds: StageDiscriminator[],
  fakes: tf.Tensor4D[],
  sentences: [tf.Tensor2D, tf.Tensor2D],
): LossTerms {
  const uncond: tf.Scalar[] = [];
  const cond: tf.Scalar[] = [];
  ds.forEach((d, s) => {
    const f = d.features(fakes[s]!);
    tf.split(d.uncond(f), 2).forEach((l) => uncond.push(bceWithLogits(l, 1)));
    tf.split(d.cond(f, tf.concat(sentences, 0) as tf.Tensor2D), 2).forEach((l) => cond.push(bceWithLogits(l, 1)));
  });
  const terms = {g_adv_uncond: tf.addN(uncond) as tf.Scalar, g_adv_cond: tf.addN(cond) as tf.Scalar};
  return {loss: tf.add(terms.g_adv_uncond, terms.g_adv_cond) as tf.Scalar, terms};
}
