// Paper phase 1: train the text and image encoders with DAMSM (both caption branches) + λ1 × contrastive.
import * as tf from '@tensorflow/tfjs';
import {makeBatch, selectBatch} from '../../data/batch';
import {damsmSentenceLoss, damsmWordLoss} from '../../losses/damsm';
import {Adam, clipByGlobalNorm} from '../../nn/adam';
import {namedGrads} from '../../nn/grads';
import {ParamSet} from '../../nn/params';
import {contrastiveModes, encoders} from '../../registry';
import {ContrastiveTerm} from '../../registry/contrastive/descriptor';
import {EncoderPair} from '../../registry/encoders/descriptor';
import {restoreVariables} from '../checkpoint';
import {PhaseModel, readLosses, RunContext, runPhaseLoop} from '../phase-loop';
import {Rng} from '../rng';
import {ExperimentConfig} from '../../config/types';
import {Dataset} from '../../data/dataset';

export const PRETRAIN_LOSSES = ['loss', 'damsm_word', 'damsm_sentence', 'contrastive'] as const;

export interface PretrainModel extends PhaseModel {
  encoders: EncoderPair;
  params: ParamSet;
  /** One step's loss terms without updating anything (for tests). */
  losses(index: number): Record<string, number>;
  dispose(): void;
}

/** Builds the encoders (seeded), the contrastive term and the optimizer of the pretraining phase. */
export function buildPretrain(config: ExperimentConfig, dataset: Dataset): PretrainModel {
  const rngInit = Rng.for(config.seed, 'init', 'pretrain');
  const params = new ParamSet('encoders', rngInit);
  const enc = encoders.get(config.encoders.name).build(config.encoders, {vocabSize: dataset.vocab.size, params});
  const headParams = new ParamSet('contrastive', rngInit);
  const term: ContrastiveTerm = contrastiveModes.get(config.contrastive.mode).build({
    config: config.contrastive, labelKind: dataset.labelKind, classes: dataset.classNames.length, embedDim: enc.embedDim, params: headParams,
  });
  const variables = new Map([...params.variables, ...headParams.variables]);
  const p = config.pretrain;
  const adam = new Adam(variables, {lr: p.lr, beta1: p.beta1, beta2: p.beta2});
  const damsmOpts = {gamma1: p.gamma1, gamma2: p.gamma2, gamma3: p.gamma3};
  const views = config.contrastive.pretrainViews;

  /** The loss terms of step `index`, as kept scalars (caller disposes). `training` enables dropout. */
  const terms = (index: number, training: boolean): Record<string, tf.Scalar> => {
    const rng = Rng.for(config.seed, 'pretrain', index);
    const sel = selectBatch(dataset.train, p.batchSize, rng);
    const seed = rng.seed();
    const out: Record<string, tf.Scalar> = {};
    const loss = tf.tidy(() => {
      const batch = makeBatch(dataset, dataset.train, sel);
      const opts = {...damsmOpts, sameClass: batch.sameClass};
      const img = enc.encodeImage(batch.images);
      // Both branches' captions go through the text encoder as one batch of 2B: half the LSTM steps' op count.
      const both = enc.encodeText(tf.concat(batch.tokens, 0), tf.concat(batch.masks, 0), training ? seed : undefined);
      const texts = [0, 1].map((b) => ({
        words: tf.slice(both.words, [b * p.batchSize, 0, 0], [p.batchSize, -1, -1]) as tf.Tensor3D,
        sentence: tf.slice(both.sentence, [b * p.batchSize, 0], [p.batchSize, -1]) as tf.Tensor2D,
      }));
      const word = tf.addN(texts.map((t, b) => damsmWordLoss(img.regions, t.words, batch.masks[b]!, opts))) as tf.Scalar;
      const sentence = tf.addN(texts.map((t) => damsmSentenceLoss(img.global, t.sentence, opts))) as tf.Scalar;
      const feats: tf.Tensor2D[] = [];
      if (views.includes('image')) feats.push(img.global);
      if (views.includes('text')) feats.push(...texts.map((t) => t.sentence));
      const contrast = term.loss(tf.stack(feats, 1) as tf.Tensor3D, batch.labels) ?? tf.scalar(0);
      const total = tf.add(tf.add(word, sentence), tf.mul(contrast, config.contrastive.lambda1)) as tf.Scalar;
      out['damsm_word'] = tf.keep(word);
      out['damsm_sentence'] = tf.keep(sentence);
      out['contrastive'] = tf.keep(contrast);
      return total;
    });
    out['loss'] = loss;
    return out;
  };

  return {
    encoders: enc,
    params,
    imagesPerStep: p.batchSize,
    stateTensors: () => new Map<string, tf.Tensor>([...variables, ...adam.stateTensors()]),
    stateExtra: () => ({adamStep: adam.step}),
    restore(ckpt, file) {
      restoreVariables(ckpt, variables, file);
      restoreVariables(ckpt, adam.stateTensors(), file);
      adam.step = Number(ckpt.header.extra['adamStep'] ?? 0);
    },
    step(index) {
      let scalars: Record<string, tf.Scalar> = {};
      tf.tidy(() => {
        const {grads} = namedGrads(() => {
          scalars = terms(index, true);
          return tf.keep(scalars['loss']!);
        }, variables);
        adam.apply(clipByGlobalNorm(grads, enc.textVariableNames(), p.clipNorm));
      });
      return readLosses(scalars);
    },
    losses: (index) => readLosses(tf.tidy(() => terms(index, false))),
    dispose() {
      params.dispose();
      headParams.dispose();
      adam.dispose();
    },
  };
}

/** Runs (or resumes) the pretraining phase of a run; the encoders live on in its checkpoints. */
export async function runPretrain(ctx: RunContext): Promise<void> {
  const model = buildPretrain(ctx.config, ctx.dataset);
  const p = ctx.config.pretrain;
  try {
    await runPhaseLoop(ctx, model, {phase: 'pretrain', steps: p.steps, checkpointEvery: p.checkpointEvery, logEvery: p.logEvery});
  } finally {
    model.dispose();
  }
}
