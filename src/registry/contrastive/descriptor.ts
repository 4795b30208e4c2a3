// What a contrastive loss mode provides: which labels it needs, and a term built for one model.
import type * as tf from '@tensorflow/tfjs';
import type {BatchLabels} from '../../data/batch';
import type {LabelKind} from '../../data/dataset';
import type {ParamSet} from '../../nn/params';
import type {Descriptor, EntryProblem} from '../registry';

/** The contrastive section of a config, after defaults. */
export interface ContrastiveConfig {
  mode: string;
  lambda1: number;
  lambda2: number;
  temperature: number;
  baseTemperature?: number;
  positives: 'any' | 'jaccard';
  threshold: number;
  pretrainViews: ('image' | 'text')[];
  trainViews: ('image' | 'text')[];
}

export interface ContrastiveContext {
  config: ContrastiveConfig;
  labelKind: LabelKind;
  classes: number;
  embedDim: number;
  /** Where a mode with weights of its own (the `ce` classifier head) creates them. */
  params: ParamSet;
}

/** A built loss term: `[batch, views, dim]` features + batch labels → scalar, or null when the mode is off. */
export interface ContrastiveTerm {
  loss(features: tf.Tensor3D, labels: BatchLabels): tf.Scalar | null;
}

/** A problem a mode finds in its config section: the key it is about, what is wrong, and what to do. */
export interface ModeProblem extends EntryProblem {
  key: keyof ContrastiveConfig;
}

/**
 * A loss mode. Keys only it reads (`schema`) sit in the contrastive section beside the shared ones (λ1, λ2, τ,
 * views); config loading refuses them set away from their defaults while another mode is chosen.
 */
export interface ContrastiveMode extends Descriptor {
  /** `none`: uses no labels; `single` / `multi`: needs that label kind; `labels`: either kind. */
  readonly needs: 'none' | 'single' | 'multi' | 'labels';
  /** Checks the section against the mode (`pretraining`: the run has a pretrain phase). */
  check?(config: ContrastiveConfig, pretraining: boolean): ModeProblem | undefined;
  build(ctx: ContrastiveContext): ContrastiveTerm;
}
