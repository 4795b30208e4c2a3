// What an evaluators registry entry provides: a feature network giving pooled features and class probabilities.
import type * as tf from '@tensorflow/tfjs';
import type {ExperimentConfig} from '../../config/types';
import type {Dataset} from '../../data/dataset';
import type {Descriptor, EntryProblem} from '../registry';

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

export interface EvaluatorContext {
  config: ExperimentConfig;
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
  check?(config: ExperimentConfig['eval']): EntryProblem | undefined;
  build(ctx: EvaluatorContext): Promise<FeatureExtractor>;
}
