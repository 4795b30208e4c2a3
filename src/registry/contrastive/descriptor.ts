// What a contrastive loss mode provides: which labels it needs, and a term built for one model.
import type * as tf from '@tensorflow/tfjs';
import type {BatchLabels} from '../../data/batch';
import type {LabelKind} from '../../data/dataset';
import type {ParamSet} from '../../nn/params';
import type {Descriptor, EntryProblem, OwnConfig, TypedSchema} from '../registry';
import type {Properties, Resolved} from '../../core/json-schema';
import type {contrastiveSectionProperties} from './section';

/** The contrastive section of a config, after defaults: the shared keys typed; the modes' own keys beside them. */
export type ContrastiveConfig = Resolved<typeof contrastiveSectionProperties> & {[key: string]: unknown};

/** The section as the mode whose own keys are `P` sees it: shared and own keys typed. */
export type ModeConfig<P extends Properties> = Resolved<typeof contrastiveSectionProperties> & OwnConfig<P>;

export interface ContrastiveContext<C = ContrastiveConfig> {
  config: C;
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
  key: string;
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

/** A mode as written: its own keys' schema keeps literal types, so `check` and `build` read typed keys. */
export interface ModeEntry<P extends Properties> extends Omit<ContrastiveMode, 'schema' | 'check' | 'build'> {
  readonly schema?: TypedSchema<P>;
  check?(config: ModeConfig<P>, pretraining: boolean): ModeProblem | undefined;
  build(ctx: ContrastiveContext<ModeConfig<P>>): ContrastiveTerm;
}

/** Declares a mode; the loader has validated the section against the schema (defaults filled) before it is used. */
export function defineMode<const P extends Properties = Record<never, never>>(entry: ModeEntry<P>): ContrastiveMode {
  const typed = (config: ContrastiveConfig) => config as ModeConfig<P>;
  const {check} = entry;
  return {
    ...entry,
    ...(check ? {check: (config: ContrastiveConfig, pretraining: boolean) => check(typed(config), pretraining)} : {}),
    build: (ctx) => entry.build({...ctx, config: typed(ctx.config)}),
  };
}
