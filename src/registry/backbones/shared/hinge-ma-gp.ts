// DF-GAN-family losses (SSA-GAN, GALIP): hinge with real / fake / mismatched terms, and MA-GP, the matching-aware
// gradient penalty k·mean(‖∇_(x, s) D(x, s)‖^p) on real images with their sentences (DF-GAN: k = 2, p = 6).
import * as tf from '@tensorflow/tfjs';
import type {LossTerms} from '../descriptor';
import {mismatchedPairs} from './mismatched';
import {defineProperties} from '../../../core/json-schema';

/** The MA-GP knobs of every DF-GAN-family backbone's schema. */
export const maGpProperties = defineProperties({
  maGpWeight: {type: 'number', minimum: 0, default: 2, description: 'MA-GP weight k (DF-GAN, SSA-GAN, GALIP: 2).'},
  maGpPower: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 6,
    description: 'MA-GP power p of the gradient norm (DF-GAN, SSA-GAN, GALIP: 6).',
  },
});

/** D(x, s) → `[n]` logits; the discriminator as these losses see it. */
export type JointD = (images: tf.Tensor4D, sentence: tf.Tensor2D) => tf.Tensor1D;

/**
 * errD = relu(1 − D(x, s)) + ½·(relu(1 + D(G(z), s)) + relu(1 + D(x_i, s_{i+1}))), means over the batch, per branch
 * and summed over both.
 */
export function hingeDiscriminatorLoss(
  D: JointD,
  real: tf.Tensor4D,
  fakes: tf.Tensor4D,
  sentences: [tf.Tensor2D, tf.Tensor2D],
): LossTerms {
  const fakeOut = tf.split(D(fakes, tf.concat(sentences, 0) as tf.Tensor2D), 2);
  const parts = {d_real: [] as tf.Scalar[], d_fake: [] as tf.Scalar[], d_wrong: [] as tf.Scalar[]};
  sentences.forEach((sent, b) => {
    parts.d_real.push(tf.mean(tf.relu(tf.sub(1, D(real, sent)))) as tf.Scalar);
    parts.d_fake.push(tf.div(tf.mean(tf.relu(tf.add(1, fakeOut[b]!))), 2) as tf.Scalar);
    const pairs = mismatchedPairs(real, sent);
    const wrong = pairs ? tf.mul(tf.mean(tf.relu(tf.add(1, D(pairs.x, pairs.sentences)))), pairs.weight) : tf.scalar(0);
    parts.d_wrong.push(tf.div(wrong, 2) as tf.Scalar);
  });
  const terms = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, tf.addN(v) as tf.Scalar]));
  return {loss: tf.addN(Object.values(terms)) as tf.Scalar, terms};
}

/**
 * MA-GP on the real pairs of each branch, summed over both: k·mean(‖∇_(x, s) Σ D(x, s)‖^p). It needs a gradient
 * of a gradient: the comparison-kernel gradients registered with the wasm patches make that work in tfjs.
 */
export function maGpPenalty(
  D: JointD,
  real: tf.Tensor4D,
  sentences: [tf.Tensor2D, tf.Tensor2D],
  gp: {weight: number; power: number},
): LossTerms {
  const each = sentences.map((sent) => {
    const [gx, gs] = tf.grads((x: tf.Tensor, s: tf.Tensor) => tf.sum(D(x as tf.Tensor4D, s as tf.Tensor2D)))([
      real,
      sent,
    ]);
    const norm = tf.sqrt(tf.add(tf.add(tf.sum(tf.square(gx!), [1, 2, 3]), tf.sum(tf.square(gs!), 1)), 1e-12));
    return tf.mul(tf.mean(tf.pow(norm, gp.power)), gp.weight) as tf.Scalar;
  });
  const magp = tf.addN(each) as tf.Scalar;
  return {loss: magp, terms: {d_magp: magp}};
}

/** Hinge and MA-GP as one loss, for one optimizer step (DF-GAN, GALIP). */
export function hingeMaGpDiscriminatorLoss(
  D: JointD,
  real: tf.Tensor4D,
  fakes: tf.Tensor4D,
  sentences: [tf.Tensor2D, tf.Tensor2D],
  gp: {weight: number; power: number},
): LossTerms {
  const hinge = hingeDiscriminatorLoss(D, real, fakes, sentences);
  const penalty = maGpPenalty(D, real, sentences, gp);
  return {loss: tf.add(hinge.loss, penalty.loss) as tf.Scalar, terms: {...hinge.terms, ...penalty.terms}};
}

/** G's adversarial term: −mean D(G(z), s) per branch, summed. */
export function hingeGeneratorLoss(D: JointD, fakes: tf.Tensor4D, sentences: [tf.Tensor2D, tf.Tensor2D]): LossTerms {
  const out = tf.split(D(fakes, tf.concat(sentences, 0) as tf.Tensor2D), 2);
  const adv = tf.addN(out.map((o) => tf.neg(tf.mean(o)))) as tf.Scalar;
  return {loss: adv, terms: {g_adv: adv}};
}
