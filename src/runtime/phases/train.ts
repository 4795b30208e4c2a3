// Paper phase 2: GAN training on two parameter-sharing branches (one image, two captions), with the frozen
// pretrained encoders providing the text codes, DAMSM, and the codes that λ2 × contrastive acts on.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {ExperimentConfig} from '../../config/types';
import {batchLabels, makeBatch, sameClassMask, selectBatch, sliceSelection} from '../../data/batch';
import {Dataset} from '../../data/dataset';
import {damsmSentenceLoss, damsmWordLossFromScores, damsmWordScores} from '../../losses/damsm';
import {Adam} from '../../nn/adam';
import {Ema} from '../../nn/ema';
import {namedGrads} from '../../nn/grads';
import {ParamSet} from '../../nn/params';
import {ShardPlace, shardRows} from '../../parallel/group';
import {activeCollective, averageGradients, averageNumbers, broadcastState, gatherRows} from '../../parallel/sharded-ops';
import {backbones, contrastiveModes} from '../../registry';
import {GanModel} from '../../registry/backbones/descriptor';
import {ContrastiveTerm} from '../../registry/contrastive/descriptor';
import {EncoderPair} from '../../registry/encoders/descriptor';
import {writeImageGrid} from '../../report/image-grid';
import {restoreVariables} from '../checkpoint';
import {readLosses, RunContext, runPhaseLoop} from '../phase-loop';
import {ParallelPhase, phaseThreads, ShardableModel} from '../parallel-phase';
import {startParallelGan} from './train-parallel';
import {loadPretrainedEncoders} from '../pretrained-encoders';
import {Rng} from '../rng';
import {drawImages} from '../sampling';
import {evaluateGenerator} from '../evaluate';
import {cacheDirOf} from '../evaluate-run';

export interface GanTrainer extends ShardableModel {
  model: GanModel;
  ema: Ema | undefined;
  /** Contrastive head (mode ce) and anything else G's optimizer trains besides G. */
  extra: ParamSet;
  /** One step's loss terms from forward passes only: no gradients, no updates (tests, benchmarks). */
  losses(index: number): Record<string, number>;
  dispose(): void;
}

/**
 * Builds G and D (seeded), the contrastive term, both optimizers and the EMA, around frozen encoders. With a
 * `place` of a data-parallel group, the trainer computes its rows of every batch; batch norm, the mismatched
 * pairs, DAMSM and the contrastive term then see the whole batch through the group's collectives, and the
 * averaged gradients equal the one-thread ones up to float rounding.
 */
export function buildGan(config: ExperimentConfig, dataset: Dataset, enc: EncoderPair, place: ShardPlace = {rank: 0, size: 1}): GanTrainer {
  const t = config.train;
  const g = new ParamSet('g', Rng.for(config.seed, 'init', 'g'));
  const d = new ParamSet('d', Rng.for(config.seed, 'init', 'd'));
  const model = backbones.get(config.backbone.name).build(config.backbone, {resolution: dataset.resolution, embedDim: enc.embedDim, g, d, encoders: enc});
  const extra = new ParamSet('gan_contrastive', Rng.for(config.seed, 'init', 'gan_contrastive'));
  const term: ContrastiveTerm = contrastiveModes.get(config.contrastive.mode).build({
    config: config.contrastive, labelKind: dataset.labelKind, classes: dataset.classNames.length, embedDim: enc.embedDim, params: extra,
  });
  const gVars = new Map([...g.variables, ...extra.variables]);
  const adamG = new Adam(gVars, {lr: t.lrG, beta1: t.beta1, beta2: t.beta2});
  const adamD = new Adam(d.variables, {lr: t.lrD, beta1: t.beta1, beta2: t.beta2});
  const ema = model.ema > 0 ? new Ema(g.variables, model.ema) : undefined;
  const views = config.contrastive.trainViews;
  const B = t.batchSize;
  const finalRes = dataset.resolution;

  const [first, end] = shardRows(B, place);
  const rows = end - first;
  /** Rows of this thread in a `[2B, width]` draw laid out as branch 1 then branch 2. */
  const mine = (all: Float32Array, width: number) => {
    const out = new Float32Array(2 * rows * width);
    out.set(all.subarray(first * width, end * width), 0);
    out.set(all.subarray((B + first) * width, (B + end) * width), rows * width);
    return out;
  };

  /** Loss terms of step `index` as kept scalars; with `update`, also computes gradients and applies the D then the G update. */
  const run = (index: number, update: boolean): Record<string, tf.Scalar> => {
    // Every thread draws the whole batch from the same stream, and keeps its rows.
    const rng = Rng.for(config.seed, 'train', index);
    const all = selectBatch(dataset.train, B, rng);
    const sel = sliceSelection(all, first, end);
    const noise = mine(rng.normals(2 * B * model.zDim), model.zDim);
    const caNoise = mine(rng.normals(2 * B * model.condDim), model.condDim);
    const labels = batchLabels(dataset, dataset.train, all.indices);
    const sameClass = sameClassMask(labels);
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
      const inputs = {noise: tf.tensor2d(noise, [2 * rows, model.zDim]), caNoise: tf.tensor2d(caNoise, [2 * rows, model.condDim]), sentence: text.sentence, words: text.words, wordMask: mask};
      const reals = model.stageResolutions.map((r) => (r === finalRes ? batch.images : tf.avgPool(batch.images, finalRes / r, finalRes / r, 'valid')));
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
      if (update) adamD.apply(averaged(namedGrads(dLoss, d.variables).grads));
      else dLoss();

      const gLoss = () => {
        const gen = model.generate(inputs, {training: true, updateStats: update});
        const adv = model.generatorLoss(gen.images, sentences);
        const last = gen.images[gen.images.length - 1]!;
        const img = enc.encodeImage(last);
        const regions = tf.split(gatherRows(img.regions, 2), 2) as tf.Tensor3D[];
        const globals = tf.split(gatherRows(img.global, 2), 2) as tf.Tensor2D[];
        const opts = {sameClass};
        const damsmWord = tf.addN([0, 1].map((b) =>
          damsmWordLossFromScores(gatherRows(damsmWordScores(regions[b]!, localWords[b]!, batch.masks[b]!, opts)), opts))) as tf.Scalar;
        const damsmSentence = tf.addN([0, 1].map((b) => damsmSentenceLoss(globals[b]!, allSentences[b]!, opts))) as tf.Scalar;
        const kl = tf.mul(gen.kl, 2) as tf.Scalar; // a mean over both branches; the branches' terms are summed
        const feats: tf.Tensor2D[] = [];
        if (views.includes('image')) feats.push(...globals);
        if (views.includes('text')) feats.push(...allSentences);
        const contrast = term.loss(tf.stack(feats, 1) as tf.Tensor3D, labels) ?? tf.scalar(0);
        const total = tf.addN([
          adv.loss, tf.mul(tf.add(damsmWord, damsmSentence), model.lambdaDamsm), tf.mul(kl, model.lambdaKl), tf.mul(contrast, config.contrastive.lambda2),
        ]) as tf.Scalar;
        keepAll({g_loss: total, ...adv.terms, g_damsm_word: damsmWord, g_damsm_sentence: damsmSentence, g_kl: kl, contrastive: contrast});
        return total;
      };
      if (update) {
        adamG.apply(averaged(namedGrads(gLoss, gVars).grads));
        ema?.update();
      } else gLoss();
    });
    return out;
  };

  const stateVariables = () => new Map<string, tf.Variable>([
    ...g.all(), ...d.all(), ...extra.all(), ...adamG.stateTensors(), ...adamD.stateTensors(), ...(ema?.stateTensors() ?? []),
  ]);

  const setExtra = (extra: Record<string, unknown>) => {
    adamG.step = Number(extra['adamGStep'] ?? 0);
    adamD.step = Number(extra['adamDStep'] ?? 0);
    if (ema) ema.updates = Number(extra['emaUpdates'] ?? 0);
  };

  return {
    model, ema, extra,
    imagesPerStep: 2 * B,
    stateTensors: stateVariables,
    stateExtra: () => ({adamGStep: adamG.step, adamDStep: adamD.step, emaUpdates: ema?.updates ?? 0}),
    restore(ckpt, file) {
      restoreVariables(ckpt, stateVariables(), file);
      setExtra(ckpt.header.extra);
    },
    syncFromRoot(extra) {
      broadcastState(stateVariables(), activeCollective());
      setExtra(extra);
    },
    step: (index) => averageNumbers(readLosses(run(index, true)), activeCollective()),
    losses: (index) => averageNumbers(readLosses(run(index, false)), activeCollective()),
    dispose() {
      g.dispose();
      d.dispose();
      extra.dispose();
      adamG.dispose();
      adamD.dispose();
      ema?.dispose();
    },
  };
}

/** Writes the sample grid of `step`: the first test captions, fixed noise, caption under each image. */
export async function writeSampleGrid(ctx: RunContext, trainer: GanTrainer, enc: EncoderPair, step: number): Promise<string> {
  const test = ctx.dataset.test;
  const n = Math.min(ctx.config.train.sampleGrid, test.count);
  const drawn = drawImages(trainer.model, enc, trainer.ema, test.tokens.slice(0, n).map((caps) => caps[0]!), ctx.dataset.maxWords, Rng.for(ctx.config.seed, 'sample-grid'));
  const file = path.join(ctx.runDir, 'samples', `train-${String(step).padStart(7, '0')}.png`);
  await writeImageGrid(file, drawn.images.map((rgb, i) => ({rgb, caption: test.captions[i]![0]!})), {
    res: drawn.resolution, cellSize: Math.max(96, drawn.resolution), title: `${ctx.config.name} · ${ctx.config.backbone.name} · ${ctx.config.contrastive.mode} · step ${step}`,
  });
  const record = (kind: string, f: string) => {
    const data = fs.readFileSync(f);
    ctx.store.addArtifact(ctx.run.id, {phase: 'train', step, kind, path: f, sha256: crypto.createHash('sha256').update(data).digest('hex'), bytes: data.length});
  };
  record('samples', file);
  if (drawn.masks) {
    const maskFile = path.join(ctx.runDir, 'samples', `masks-${String(step).padStart(7, '0')}.png`);
    await writeImageGrid(maskFile, drawn.masks.map((rgb, i) => ({rgb, caption: test.captions[i]![0]!})), {
      res: drawn.resolution, cellSize: Math.max(96, drawn.resolution), title: `${ctx.config.name} · predicted masks (white = sentence modulation on) · step ${step}`,
    });
    record('masks', maskFile);
  }
  return file;
}

export function formatEval(m: Record<string, number>): string {
  return `FID ${m['fid']!.toFixed(2)}  IS ${m['is_mean']!.toFixed(3)} ± ${m['is_std']!.toFixed(3)}  R-precision ${(100 * m['r_precision']!).toFixed(1)}%`;
}

/** Runs (or resumes) the GAN phase of a run. */
export async function runTrain(ctx: RunContext): Promise<void> {
  const pre = await loadPretrainedEncoders(ctx.store, ctx.run, ctx.config, ctx.dataset.vocab);
  ctx.log(`train: frozen encoders from ${pre.origin}`);
  if (pre.unknownWords.length) ctx.log(`train: warning: the encoders do not know ${pre.unknownWords.length} dataset word(s), encoded as their unknown token: ${pre.unknownWords.slice(0, 20).join(', ')}${pre.unknownWords.length > 20 ? ', …' : ''}`);
  const {threads, note} = phaseThreads(ctx.config, 'train');
  if (note) ctx.log(`train: ${note}`);
  const trainer = buildGan(ctx.config, ctx.dataset, pre.encoders, {rank: 0, size: threads});
  const t = ctx.config.train;
  const evaluating = ctx.config.phases.includes('eval');
  let parallel: ParallelPhase | undefined;
  try {
    if (threads > 1) {
      parallel = await startParallelGan(trainer, ctx.config, ctx.dataset, pre.source, threads);
      ctx.log(`train: data-parallel over ${threads} threads, ${t.batchSize / threads} images (× 2 captions) each`);
    }
    await runPhaseLoop(ctx, parallel ?? trainer, {
      phase: 'train', steps: t.steps, checkpointEvery: t.checkpointEvery, logEvery: t.logEvery, derivedPhases: ['eval'],
      afterStep: async (completed) => {
        if (completed % ctx.config.eval.every !== 0 && completed !== t.steps) return;
        await writeSampleGrid(ctx, trainer, pre.encoders, completed);
        // The final step is evaluated by the eval phase, from the checkpoint, like `scg eval` would.
        if (evaluating && completed < t.steps) {
          const r = await evaluateGenerator({
            store: ctx.store, runId: ctx.run.id, step: completed, config: ctx.config, dataset: ctx.dataset, model: trainer.model, ema: trainer.ema,
            encoders: pre.encoders, cacheDir: cacheDirOf(ctx.store), log: ctx.log,
          });
          ctx.progress.log(`eval @${completed}: ${formatEval(r.metrics)}`);
        }
      },
    });
  } finally {
    await parallel?.close();
    trainer.dispose();
    pre.dispose();
  }
}
