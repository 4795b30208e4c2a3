// The GAN step of the paper's second phase, for one batch of two branches (one image, two captions each).
import * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../../config/types';
import {batchLabels, damsmMask, makeBatch, selectBatch, sliceSelection} from '../../data/batch';
import type {Dataset} from '../../data/dataset';
import {damsmSentenceLoss, damsmWordLossFromScores, damsmWordScores} from '../../losses/damsm';
import type {Adam} from '../../nn/adam';
import type {Ema} from '../../nn/ema';
import {namedGrads} from '../../nn/grads';
import {activeCollective, averageGradients, gatherRows} from '../../parallel/sharded-ops';
import type {GanModel} from '../../registry/backbones/descriptor';
import type {ContrastiveTerm} from '../../registry/contrastive/descriptor';
import type {EncoderPair} from '../../registry/encoders/descriptor';
import {Rng} from '../../core/rng';

/** Everything one GAN step reads and updates; built once by `buildGan`. */
export interface GanStepParts {
  config: ExperimentConfig;
  dataset: Dataset;
  /** The frozen encoders: text codes for G and D, image codes for DAMSM and the contrastive term. */
  enc: EncoderPair;
  model: GanModel;
  term: ContrastiveTerm;
  adamG: Adam;
  adamD: Adam;
  /** G's variables and the contrastive head's (what adamG updates), and D's. */
  gVars: Map<string, tf.Variable>;
  dVars: Map<string, tf.Variable>;
  ema: Ema | undefined;
  /** This thread's rows [first, end) of the batch (all of it on one thread). */
  first: number;
  end: number;
}

/** Rows [first, end) of each branch of a `[2B, width]` draw laid out as branch 1 then branch 2. */
function branchRows(all: Float32Array, width: number, batch: number, first: number, end: number): Float32Array {
  const rows = end - first;
  const out = new Float32Array(2 * rows * width);
  out.set(all.subarray(first * width, end * width), 0);
  out.set(all.subarray((batch + first) * width, (batch + end) * width), rows * width);
  return out;
}

/**
 * The noise `z` of both branches for the whole batch, `[2B, width]` laid out as branch 1 then branch 2: with
 * `shared`, branch 2 repeats branch 1's draw (T2I_CL); with `independent`, each branch has its own.
 */
export function branchNoise(rng: Rng, batch: number, width: number, mode: 'shared' | 'independent'): Float32Array {
  if (mode === 'independent') return rng.normals(2 * batch * width);
  const one = rng.normals(batch * width);
  const out = new Float32Array(2 * batch * width);
  out.set(one, 0);
  out.set(one, batch * width);
  return out;
}

/**
 * One GAN step at `index` (0-based), as kept loss scalars. The discriminator's hinge/matching loss is computed on
 * detached fakes; then the generator's loss is
 *   L_G = L_adv + λ_DAMSM · (L_word + L_sentence) + λ_KL · KL + λ2 · L_contrastive,
 * summed over both branches, where L_contrastive is the configured mode (SupCon by default, temperature τ) over
 * the views in `contrastive.trainViews` (the generated images' global codes and/or the sentence codes), with
 * same-label pairs as positives and (under `dataset.damsmMask: same-label`) masked out of DAMSM's negatives. With
 * `update`, D is updated first (twice when the backbone has a separate penalty step, SSA-GAN's MA-GP), then G,
 * then the EMA; without, only the losses are computed (tests, benchmarks). On a data-parallel group the
 * batch-wide terms see every thread's rows through the group's collectives and the gradients are averaged.
 */
export function ganStep(parts: GanStepParts, index: number, update: boolean): Record<string, tf.Scalar> {
  const {config, dataset, enc, model, term, adamG, adamD, gVars, dVars, ema, first, end} = parts;
  const B = config.train.batchSize;
  const rows = end - first;
  const views = config.contrastive.trainViews;
  const finalRes = dataset.resolution;
  const mine = (all: Float32Array, width: number) => branchRows(all, width, B, first, end);
  // Every thread draws the whole batch from the same stream, and keeps its rows. z is one draw for both branches
  // unless train.branchNoise is independent; the conditioning-augmentation noise is drawn per branch.
  const rng = Rng.for(config.seed, 'train', index);
  const all = selectBatch(dataset.train, B, rng);
  const sel = sliceSelection(all, first, end);
  const noise = mine(branchNoise(rng, B, model.zDim, config.train.branchNoise), model.zDim);
  const caNoise = mine(rng.normals(2 * B * model.condDim), model.condDim);
  const labels = batchLabels(dataset, dataset.train, all.indices);
  const sameClass = damsmMask(labels, config.dataset['damsmMask']);
  const out: Record<string, tf.Scalar> = {};
  const keepAll = (prefix: Record<string, tf.Scalar>) => {
    for (const [k, v] of Object.entries(prefix)) out[k] = tf.keep(v);
  };
  const averaged = (grads: Record<string, tf.Tensor>) => averageGradients(grads, activeCollective());
  tf.tidy(() => {
    const batch = makeBatch(dataset, dataset.train, sel);
    const mask = tf.concat(batch.masks, 0) as tf.Tensor2D;
    const text = enc.encodeText(tf.concat(batch.tokens, 0) as tf.Tensor2D, mask); // frozen: no dropout, no gradient
    const sentences = tf.split(text.sentence, 2) as [tf.Tensor2D, tf.Tensor2D];
    const inputs = {
      noise: tf.tensor2d(noise, [2 * rows, model.zDim]),
      caNoise: tf.tensor2d(caNoise, [2 * rows, model.condDim]),
      sentence: text.sentence,
      words: text.words,
      wordMask: mask,
    };
    const reals = model.stageResolutions.map((r) =>
      r === finalRes ? batch.images : tf.avgPool(batch.images, finalRes / r, finalRes / r, 'valid'),
    );
    // The batch-wide terms (DAMSM sentence, contrastive) see every thread's sentence codes. The word loss, the
    // costliest of them, is split: this thread scores its own captions against every fake, and the score rows
    // are gathered.
    const allSentences = tf.split(gatherRows(text.sentence, 2), 2) as tf.Tensor2D[];
    const localWords = tf.split(text.words, 2) as tf.Tensor3D[];

    // D step on detached fakes (the G pass below recomputes them with a tape).
    const fakes = model.generate(inputs, {training: true, updateStats: false}).images;
    const dLoss = () => {
      const r = model.discriminatorLoss(reals, fakes, sentences);
      keepAll({d_loss: r.loss, ...r.terms});
      return r.loss;
    };
    if (update) adamD.apply(averaged(namedGrads(dLoss, dVars).grads));
    else dLoss();
    const penalty = model.discriminatorPenalty?.bind(model);
    if (penalty) {
      // a second D step on the penalty alone, after the first (SSA-GAN's MA-GP)
      const dPenalty = () => {
        const r = penalty(reals, sentences);
        keepAll(r.terms);
        return r.loss;
      };
      if (update) adamD.apply(averaged(namedGrads(dPenalty, dVars).grads));
      else dPenalty();
    }

    const gLoss = () => {
      const gen = model.generate(inputs, {training: true, updateStats: update});
      const adv = model.generatorLoss(gen.images, sentences);
      const last = gen.images[gen.images.length - 1]!;
      const img = enc.encodeImage(last);
      const regions = tf.split(gatherRows(img.regions, 2), 2) as tf.Tensor3D[];
      const globals = tf.split(gatherRows(img.global, 2), 2) as tf.Tensor2D[];
      const opts = {sameClass, ...model.damsmGammas};
      const damsmWord = tf.addN(
        [0, 1].map((b) =>
          damsmWordLossFromScores(
            gatherRows(damsmWordScores(regions[b]!, localWords[b]!, batch.masks[b]!, opts)),
            opts,
          ),
        ),
      ) as tf.Scalar;
      const damsmSentence = tf.addN(
        [0, 1].map((b) => damsmSentenceLoss(globals[b]!, allSentences[b]!, opts)),
      ) as tf.Scalar;
      const kl = tf.mul(gen.kl, 2) as tf.Scalar; // a mean over both branches; the branches' terms are summed
      const feats: tf.Tensor2D[] = [];
      if (views.includes('image')) feats.push(...globals);
      if (views.includes('text')) feats.push(...allSentences);
      const contrast = term.loss(tf.stack(feats, 1) as tf.Tensor3D, labels) ?? tf.scalar(0);
      const total = tf.addN([
        adv.loss,
        tf.mul(tf.add(damsmWord, damsmSentence), model.lambdaDamsm),
        tf.mul(kl, model.lambdaKl),
        tf.mul(contrast, config.contrastive.lambda2),
      ]) as tf.Scalar;
      keepAll({
        g_loss: total,
        ...adv.terms,
        g_damsm_word: damsmWord,
        g_damsm_sentence: damsmSentence,
        g_kl: kl,
        contrastive: contrast,
      });
      return total;
    };
    if (update) {
      adamG.apply(averaged(namedGrads(gLoss, gVars).grads));
      ema?.update();
    } else gLoss();
  });
  return out;
}
