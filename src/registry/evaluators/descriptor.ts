// What an evaluators registry entry provides: a feature network giving pooled features and class probabilities.
import type * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../../config/types';
import type {Dataset} from '../../data/dataset';
import type {Descriptor, EntryProblem, OwnConfig, TypedSchema} from '../registry';
import type {Properties, Resolved} from '../../core/json-schema';
import type {EvalConfig, evalSectionProperties} from './section';

export type {EvalConfig};

/** The eval section as the evaluator whose own keys are `P` sees it: shared and own keys typed. */
export type EvaluatorSection<P extends Properties> = Resolved<typeof evalSectionProperties> & OwnConfig<P>;

export interface FeatureExtractor {
  name: string;
  /** sha256 of the weights file: part of every protocol. */
  weightsSha256: string;
  featureDim: number;
  /** True when `extract` returns `labels` (the evaluator classifies the dataset's own labels). */
  givesLabels?: boolean;
  /** Evaluator facts to keep with the protocol (test accuracy, how IS is defined, ...). */
  details: Record<string, unknown>;
  /**
   * Pooled features (for FID) and class probabilities (for IS, rows summing to 1) of images `[n, r, r, 3]`
   * in [-1, 1] at the dataset resolution. An evaluator that classifies the dataset's own labels also returns
   * `labels`: per-label probabilities (softmax over classes for single-label data, one sigmoid per category for
   * label sets), from which evaluation computes `label_acc`. Returned tensors are new; the caller disposes them.
   */
  extract(images: tf.Tensor4D): {features: tf.Tensor2D; probs: tf.Tensor2D; labels?: tf.Tensor2D};
  dispose(): void;
}

export interface EvaluatorContext<E = EvalConfig> {
  /** The run's config; its eval section typed as the evaluator sees it. */
  config: Omit<ExperimentConfig, 'eval'> & {eval: E};
  dataset: Dataset;
  /** Folder for cached evaluator weights and real-image statistics. */
  cacheDir: string;
  log(line: string): void;
}

/**
 * An evaluator. Keys only it reads (`schema`) sit in the eval section beside the shared ones (every, samples,
 * protocol); config loading refuses them set away from their defaults while another evaluator is chosen, and
 * runs `check` on the evaluator a run will use before anything trains.
 */
export interface EvaluatorDescriptor extends Descriptor {
  /** What would stop `build` for this eval section (a missing weights file, ...), found at config load. */
  check?(config: EvalConfig): EntryProblem | undefined;
  build(ctx: EvaluatorContext): Promise<FeatureExtractor>;
  /**
   * True when `build` would first train weights (none cached yet). A run with a core to spare then trains them in
   * a background process while its own phases train (runtime/evaluator-warmup.ts). Absent: nothing to train.
   */
  needsTraining?(ctx: Omit<EvaluatorContext, 'log'>): boolean;
}

/** An evaluator as written: its own keys' schema keeps literal types, so `check` and `build` read typed keys. */
export interface EvaluatorEntry<P extends Properties>
  extends Omit<EvaluatorDescriptor, 'schema' | 'check' | 'build' | 'needsTraining'> {
  readonly schema: TypedSchema<P>;
  check?(config: EvaluatorSection<P>): EntryProblem | undefined;
  build(ctx: EvaluatorContext<EvaluatorSection<P>>): Promise<FeatureExtractor>;
  needsTraining?(ctx: Omit<EvaluatorContext<EvaluatorSection<P>>, 'log'>): boolean;
}

/** Declares an evaluator; config loading has validated the eval section against its schema (defaults filled). */
export function defineEvaluator<const P extends Properties>(entry: EvaluatorEntry<P>): EvaluatorDescriptor {
  const typed = (e: EvalConfig) => e as EvaluatorSection<P>;
  const {check, needsTraining} = entry;
  return {
    ...entry,
    ...(check ? {check: (e: EvalConfig) => check(typed(e))} : {}),
    ...(needsTraining
      ? {needsTraining: (ctx) => needsTraining({...ctx, config: {...ctx.config, eval: typed(ctx.config.eval)}})}
      : {}),
    build: (ctx) => entry.build({...ctx, config: {...ctx.config, eval: typed(ctx.config.eval)}}),
  };
}
