// The GAN phase's trainable state around frozen encoders: G, D, the contrastive head, both optimizers and the
// EMA, built seeded, checkpointed by name, and stepped by \`ganStep\`.
import type * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../../config/types';
import type {Dataset} from '../../data/dataset';
import {Adam} from '../../nn/adam';
import {Ema} from '../../nn/ema';
import {ParamSet} from '../../nn/params';
import {type ShardPlace, shardRows} from '../../parallel/group';
import {activeCollective, averageNumbers, broadcastState} from '../../parallel/sharded-ops';
import {backbones, contrastiveModes} from '../../registry';
import type {GanModel} from '../../registry/backbones/descriptor';
import type {ContrastiveTerm} from '../../registry/contrastive/descriptor';
import type {EncoderPair} from '../../registry/encoders/descriptor';
import {restoreVariables} from '../../core/checkpoint';
import {Rng} from '../../core/rng';
import {readLosses} from '../phase-loop';
import type {ShardableModel} from '../parallel-phase';
import {ganStep, type GanStepParts} from './gan-step';

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
export function buildGan(
  config: ExperimentConfig,
  dataset: Dataset,
  enc: EncoderPair,
  place: ShardPlace = {rank: 0, size: 1},
): GanTrainer {
  const t = config.train;
  const g = new ParamSet('g', Rng.for(config.seed, 'init', 'g'));
  const d = new ParamSet('d', Rng.for(config.seed, 'init', 'd'));
  const model = backbones
    .get(config.backbone.name)
    .build(config.backbone, {resolution: dataset.resolution, embedDim: enc.embedDim, g, d, encoders: enc});
  const extra = new ParamSet('gan_contrastive', Rng.for(config.seed, 'init', 'gan_contrastive'));
  const term: ContrastiveTerm = contrastiveModes.get(config.contrastive.mode).build({
    config: config.contrastive,
    labelKind: dataset.labelKind,
    classes: dataset.classNames.length,
    embedDim: enc.embedDim,
    params: extra,
  });
  const gVars = new Map([...g.variables, ...extra.variables]);
  const adamG = new Adam(gVars, {lr: t.lrG, beta1: t.beta1, beta2: t.beta2});
  const adamD = new Adam(d.variables, {lr: t.lrD, beta1: t.beta1, beta2: t.beta2});
  const ema = model.ema > 0 ? new Ema(g.variables, model.ema) : undefined;

  const [first, end] = shardRows(t.batchSize, place);
  const parts: GanStepParts = {
    config,
    dataset,
    enc,
    model,
    term,
    adamG,
    adamD,
    gVars,
    dVars: d.variables,
    ema,
    first,
    end,
  };

  const stateVariables = () =>
    new Map<string, tf.Variable>([
      ...g.all(),
      ...d.all(),
      ...extra.all(),
      ...adamG.stateTensors(),
      ...adamD.stateTensors(),
      ...(ema?.stateTensors() ?? []),
    ]);

  const setExtra = (extra: Record<string, unknown>) => {
    adamG.step = Number(extra['adamGStep'] ?? 0);
    adamD.step = Number(extra['adamDStep'] ?? 0);
    if (ema) ema.updates = Number(extra['emaUpdates'] ?? 0);
  };

  return {
    model,
    ema,
    extra,
    imagesPerStep: 2 * t.batchSize,
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
    step: (index) => averageNumbers(readLosses(ganStep(parts, index, true)), activeCollective()),
    losses: (index) => averageNumbers(readLosses(ganStep(parts, index, false)), activeCollective()),
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
