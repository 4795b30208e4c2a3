// The typed shape of a resolved experiment config (what the schema guarantees after defaults are filled).
import type {BackboneConfig} from '../registry/backbones/descriptor';
import type {ContrastiveConfig} from '../registry/contrastive/descriptor';
import type {DatasetConfig} from '../registry/datasets/descriptor';
import type {EncoderConfig} from '../registry/encoders/descriptor';
import type {BackendChoice} from '../core/backend';

export const PHASES = ['pretrain', 'train', 'eval'] as const;
export type Phase = (typeof PHASES)[number];

export interface PretrainConfig {
  steps: number;
  batchSize: number;
  lr: number;
  beta1: number;
  beta2: number;
  clipNorm: number;
  gamma1: number;
  gamma2: number;
  gamma3: number;
  checkpointEvery: number;
  logEvery: number;
}

export interface TrainConfig {
  steps: number;
  /** Take the encoders from this run's pretraining instead of this run's own. */
  encodersFrom?: string;
  sampleGrid: number;
  /** z of the two caption branches: one draw shared by both (T2I_CL) or one each. */
  branchNoise: 'shared' | 'independent';
  batchSize: number;
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
  checkpointEvery: number;
  logEvery: number;
}

export interface EvalConfig {
  every: number;
  samples: number;
  evaluator: string;
  builtinSteps: number;
  builtinWidth: number;
  builtinFeatures: number;
  inceptionPath?: string;
  fidInceptionPath?: string;
  inceptionPoolLayer: string;
  /** A paper's evaluation protocol (metrics/paper-protocols.ts); unset: scg's own (eval.samples, eval.evaluator). */
  protocol?: string;
}

export interface RuntimeConfig {
  backend: BackendChoice;
  device: string;
  threads?: number;
  pretrainThreads?: number;
}

export interface ExperimentConfig {
  name: string;
  seed: number;
  dataset: DatasetConfig;
  backbone: BackboneConfig;
  encoders: EncoderConfig;
  contrastive: ContrastiveConfig;
  pretrain: PretrainConfig;
  train: TrainConfig;
  eval: EvalConfig;
  runtime: RuntimeConfig;
  phases: Phase[];
}
