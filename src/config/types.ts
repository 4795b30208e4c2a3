// The typed shape of a resolved experiment config (what the schema guarantees after defaults are filled), derived
// from the same schema objects the validator uses, so the two cannot drift.
import type {Resolved} from '../core/json-schema';
import type {BackboneConfig} from '../registry/backbones/descriptor';
import type {ContrastiveConfig} from '../registry/contrastive/descriptor';
import type {DatasetConfig} from '../registry/datasets/descriptor';
import type {EncoderConfig} from '../registry/encoders/descriptor';
import type {EvalConfig} from '../registry/evaluators/section';
import {
  type experimentProperties,
  PHASES,
  type pretrainProperties,
  type runtimeProperties,
  type trainProperties,
} from './sections';

export {PHASES};
export type {EvalConfig};
export type Phase = (typeof PHASES)[number];

export type PretrainConfig = Resolved<typeof pretrainProperties>;
export type TrainConfig = Resolved<typeof trainProperties>;
export type RuntimeConfig = Resolved<typeof runtimeProperties>;

/** The whole resolved config: the top-level keys and fixed sections from their schemas, the registry sections. */
export type ExperimentConfig = Resolved<typeof experimentProperties, 'name'> & {
  dataset: DatasetConfig;
  backbone: BackboneConfig;
  encoders: EncoderConfig;
  contrastive: ContrastiveConfig;
  pretrain: PretrainConfig;
  train: TrainConfig;
  eval: EvalConfig;
  runtime: RuntimeConfig;
};
