// Paper phase 1: train the text and image encoders with DAMSM (both caption branches) + λ1 × contrastive.
import * as tf from '@tensorflow/tfjs';
import {batchLabels, damsmMask, makeBatch, selectBatch, sliceSelection} from '../../data/batch';
import {damsmSentenceLoss, damsmWordLossFromScores, damsmWordScores} from '../../losses/damsm';
import {Adam, clipByGlobalNorm} from '../../nn/adam';
import {namedGrads} from '../../nn/grads';
import {ParamSet} from '../../nn/params';
import {type ShardPlace, type ShardProgram, shardRows} from '../../parallel/group';
import {
  activeCollective,
  averageGradients,
  averageNumbers,
  broadcastState,
  gatherRows,
} from '../../parallel/sharded-ops';
import {contrastiveModes} from '../../registry';
import {trainedEncoders} from '../../registry/encoders';
import type {ContrastiveTerm} from '../../registry/contrastive/descriptor';
import type {EncoderPair} from '../../registry/encoders/descriptor';
import {restoreVariables} from '../../core/checkpoint';
import {
  fromTrainingOnly,
  type ParallelPhase,
  type PhaseMessage,
  phaseProgram,
  phaseThreads,
  type ShardableModel,
  startParallelPhase,
  trainingOnly,
  type WorkerDataset,
} from '../parallel-phase';
import {readLosses, type RunContext, runPhaseLoop} from '../phase-loop';
import {Rng} from '../../core/rng';
import {adoptPretraining} from '../shared-pretraining';
import {probeEncoders} from '../encoder-probe';
import {frozenWeightsExtra} from '../pretrained-encoders';
import type {ExperimentConfig} from '../../config/types';
import type {Dataset} from '../../data/dataset';

export const PRETRAIN_LOSSES = ['loss', 'damsm_word', 'damsm_sentence', 'contrastive'] as const;

export interface PretrainModel extends ShardableModel {
  encoders: EncoderPair;
  params: ParamSet;
  /** One step's loss terms without updating anything (for tests). */
  losses(index: number): Record<string, number>;
  dispose(): void;
}

/**
 * Builds the encoders (seeded), the contrastive term and the optimizer of the pretraining phase. With a `place`
 * of a data-parallel group it computes its rows of every batch; DAMSM and the contrastive term see the whole
 * batch's codes, dropout draws the whole batch's mask, and the averaged gradients are clipped as one thread's.
 */
export async function buildPretrain(
  config: ExperimentConfig,
  dataset: Dataset,
  place: ShardPlace = {rank: 0, size: 1},
): Promise<PretrainModel> {
  const rngInit = Rng.for(config.seed, 'init', 'pretrain');
  const params = new ParamSet('encoders', rngInit);
  let enc: EncoderPair;
  try {
    enc = await trainedEncoders(config.encoders.name).build(config.encoders, {vocabSize: dataset.vocab.size, params});
  } catch (err) {
    params.dispose(); // the text encoder's variables exist before the image encoder's files are read
    throw err;
  }
  const headParams = new ParamSet('contrastive', rngInit);
  const term: ContrastiveTerm = contrastiveModes.get(config.contrastive.mode).build({
    config: config.contrastive,
    labelKind: dataset.labelKind,
    classes: dataset.classNames.length,
    embedDim: enc.embedDim,
    params: headParams,
  });
  const variables = new Map([...params.variables, ...headParams.variables]);
  const p = config.pretrain;
  const adam = new Adam(variables, {lr: p.lr, beta1: p.beta1, beta2: p.beta2});
  const damsmOpts = {gamma1: p.gamma1, gamma2: p.gamma2, gamma3: p.gamma3};
  const views = config.contrastive.pretrainViews;

  const B = p.batchSize;
  const [first, end] = shardRows(B, place);
  // Where this thread's text rows (branch 1, then branch 2) sit among the whole batch's 2B.
  const textRows = {
    rows: [
      ...Array.from({length: end - first}, (_, k) => first + k),
      ...Array.from({length: end - first}, (_, k) => B + first + k),
    ],
    total: 2 * B,
  };

  /** The loss terms of step `index`, as kept scalars (caller disposes). `training` enables dropout. */
  const terms = (index: number, training: boolean): Record<string, tf.Scalar> => {
    // Every thread draws the whole batch from the same stream, and keeps its rows.
    const rng = Rng.for(config.seed, 'pretrain', index);
    const all = selectBatch(dataset.train, B, rng);
    const seed = rng.seed();
    const sel = sliceSelection(all, first, end);
    const labels = batchLabels(dataset, dataset.train, all.indices);
    const out: Record<string, tf.Scalar> = {};
    const loss = tf.tidy(() => {
      const batch = makeBatch(dataset, dataset.train, sel);
      const opts = {...damsmOpts, sameClass: damsmMask(labels, config.dataset['damsmMask'])};
      const local = enc.encodeImage(batch.images);
      const img = {regions: gatherRows(local.regions), global: gatherRows(local.global)};
      // Both branches' captions go through the text encoder as one batch: half the LSTM steps' op count.
      const both = enc.encodeText(
        tf.concat(batch.tokens, 0),
        tf.concat(batch.masks, 0),
        training ? seed : undefined,
        place.size > 1 ? textRows : undefined,
      );
      const sentences = gatherRows(both.sentence, 2);
      const texts = [0, 1].map((b) => tf.slice(sentences, [b * B, 0], [B, -1]) as tf.Tensor2D);
      // Word loss: this thread scores its own captions against every image; the score rows are gathered.
      const localWords = tf.split(both.words, 2) as tf.Tensor3D[];
      const word = tf.addN(
        [0, 1].map((b) =>
          damsmWordLossFromScores(
            gatherRows(damsmWordScores(img.regions, localWords[b]!, batch.masks[b]!, opts)),
            opts,
          ),
        ),
      ) as tf.Scalar;
      const sentence = tf.addN(texts.map((t) => damsmSentenceLoss(img.global, t, opts))) as tf.Scalar;
      const feats: tf.Tensor2D[] = [];
      if (views.includes('image')) feats.push(img.global);
      if (views.includes('text')) feats.push(...texts);
      const contrast = term.loss(tf.stack(feats, 1) as tf.Tensor3D, labels) ?? tf.scalar(0);
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
    stateExtra: () => ({adamStep: adam.step, ...frozenWeightsExtra(enc)}),
    restore(ckpt, file) {
      restoreVariables(ckpt, variables, file);
      restoreVariables(ckpt, adam.stateTensors(), file);
      adam.step = Number(ckpt.header.extra['adamStep'] ?? 0);
    },
    syncFromRoot(extra) {
      broadcastState(new Map<string, tf.Tensor>([...variables, ...adam.stateTensors()]), activeCollective());
      adam.step = Number(extra['adamStep'] ?? 0);
    },
    step(index) {
      let scalars: Record<string, tf.Scalar> = {};
      tf.tidy(() => {
        const {grads} = namedGrads(() => {
          scalars = terms(index, true);
          return tf.keep(scalars['loss']!);
        }, variables);
        // Averaged first, so every thread clips the same whole-batch gradient.
        adam.apply(clipByGlobalNorm(averageGradients(grads, activeCollective()), enc.textVariableNames(), p.clipNorm));
      });
      return averageNumbers(readLosses(scalars), activeCollective());
    },
    losses: (index) => averageNumbers(readLosses(tf.tidy(() => terms(index, false))), activeCollective()),
    dispose() {
      enc.dispose?.();
      params.dispose();
      headParams.dispose();
      adam.dispose();
    },
  };
}

/** Worker-thread factory: this rank's pretraining model. */
export async function pretrainShard(
  args: {config: ExperimentConfig; dataset: WorkerDataset},
  place: ShardPlace,
): Promise<ShardProgram<PhaseMessage, unknown>> {
  const model = await buildPretrain(args.config, fromTrainingOnly(args.dataset), place);
  return phaseProgram(model, () => model.dispose());
}

/** Runs (or resumes) the pretraining phase of a run; the encoders live on in its checkpoints. */
export async function runPretrain(ctx: RunContext): Promise<void> {
  if (ctx.sharePretraining && (await adoptPretraining(ctx))) return;
  const p = ctx.config.pretrain;
  const {threads, note} = phaseThreads(ctx.config, 'pretrain');
  if (note) ctx.log(`pretrain: ${note}`);
  const model = await buildPretrain(ctx.config, ctx.dataset, {rank: 0, size: threads});
  let parallel: ParallelPhase | undefined;
  try {
    if (threads > 1) {
      parallel = await startParallelPhase(
        model,
        {module: __filename, factory: 'pretrainShard', args: {config: ctx.config, dataset: trainingOnly(ctx.dataset)}},
        threads,
      );
      ctx.log(`pretrain: data-parallel over ${threads} threads, ${p.batchSize / threads} images (× 2 captions) each`);
    }
    await runPhaseLoop(ctx, parallel ?? model, {
      phase: 'pretrain',
      steps: p.steps,
      checkpointEvery: p.checkpointEvery,
      logEvery: p.logEvery,
      // At every checkpoint: do the codes tell the classes apart yet? (The GAN can only draw what they carry.)
      afterStep: async (completed) => {
        if (completed % p.checkpointEvery !== 0 && completed !== p.steps) return;
        const probe = probeEncoders(model.encoders, ctx.dataset);
        if (!probe) return;
        if (probe === 'non-finite') {
          ctx.progress.log(`pretrain @${completed}: class probe skipped: the encoders give non-finite codes`);
          return;
        }
        const wall = Date.now() / 1000;
        ctx.store.addMetrics(ctx.run.id, [
          {phase: 'pretrain', key: 'probe_text_acc', step: completed, value: probe.text, wall_time: wall},
          {phase: 'pretrain', key: 'probe_image_acc', step: completed, value: probe.image, wall_time: wall},
        ]);
        ctx.progress.log(
          `pretrain @${completed}: class probe (nearest centroid, test split): text ${probe.text.toFixed(3)}, image ${probe.image.toFixed(3)}, chance ${(1 / ctx.dataset.classNames.length).toFixed(3)}`,
        );
      },
    });
  } finally {
    await parallel?.close();
    model.dispose();
  }
}
