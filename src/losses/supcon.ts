// Supervised contrastive loss (Khosla et al. 2020) over [batch, views, dim] features, with the
// single-label, multi-label (any / jaccard), explicit-mask and unsupervised (NT-Xent) positive rules.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';
import {safeNorm} from '../ops/safe-norm';
import {stopGradient} from '../ops/stop-gradient';
import {checkTemperature, readLabels, readMultiHot} from './label-input';

export interface SupConOptions {
  /** One integer label per sample. */
  labels?: number[] | tf.Tensor1D;
  /** A 0/1 label-set row per sample (multi-label). */
  multiHot?: number[][] | tf.Tensor2D;
  /** Explicit `[batch, batch]` positive mask; entry (i, j) > 0 makes sample j a positive of sample i. */
  mask?: tf.Tensor2D;
  /** τ, default 0.07. */
  temperature?: number;
  /** τ_base, default 0.07 as in SupContrast: the loss is scaled by τ/τ_base (1.43 at τ = 0.1). */
  baseTemperature?: number;
  /** Multi-label rule: `any` shared label (default) or Jaccard ≥ threshold, weighted by Jaccard. */
  positives?: 'any' | 'jaccard';
  /** Jaccard threshold in (0, 1], default 0.5. Only with `positives: 'jaccard'`. */
  threshold?: number;
  /** L2-normalize features along `dim` first (default true). */
  normalize?: boolean;
}

const FN = 'supConLoss';

/**
 * Supervised contrastive loss.
 *
 * With z the (normalized) features flattened to N = batch·views anchors and P(i) the positives of anchor i
 * (every other anchor whose sample shares a label with i's sample, other views of the same sample included,
 * never i itself):
 *
 *     L = (1/N) Σ_i  −(τ/τ_base) · (1/|P(i)|) Σ_{p∈P(i)} log( exp(z_i·z_p/τ) / Σ_{a≠i} exp(z_i·z_a/τ) )
 *
 * - An anchor with no positive contributes 0, and the mean is still over all N anchors (as the current
 *   SupContrast reference code does), so batches with many label-less anchors give smaller losses.
 * - Logits are shifted by their row maximum (no gradient through the shift) for numerical stability.
 * - Without `labels`, `multiHot` or `mask`, the only positives are the other views of the same sample:
 *   this is SimCLR's NT-Xent.
 * - `positives: 'jaccard'` (multi-label): p is a positive of i when Jaccard(Y_i, Y_p) ≥ threshold, and the
 *   average over P(i) is weighted by the Jaccard index: Σ_p J_ip·log(..) / Σ_p J_ip.
 *
 * Shapes: `features` is `[batch, views, dim]`; the result is a scalar.
 *
 * @example
 * const z = tf.randomNormal([8, 2, 16]) as tf.Tensor3D;   // 8 images, 2 views each
 * const loss = supConLoss(z, {labels: [0, 0, 1, 1, 2, 2, 3, 3], temperature: 0.1});
 */
export function supConLoss(features: tf.Tensor3D, options: SupConOptions = {}): tf.Scalar {
  if (!(features instanceof tf.Tensor))
    throw new InputError(FN, `features must be a Tensor3D, but got ${typeof features}`);
  if (features.rank !== 3) {
    throw new InputError(
      FN,
      `features must be rank 3 [batch, views, dim], but got rank ${features.rank} (shape [${features.shape}])`,
    );
  }
  const [batch, views, dim] = features.shape;
  if (batch < 1 || views < 1 || dim < 1)
    throw new InputError(FN, `features has an empty dimension: shape [${features.shape}]`);
  const given = (['labels', 'multiHot', 'mask'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1)
    throw new InputError(FN, `give at most one of labels, multiHot and mask, but got ${given.join(' and ')}`);
  const temperature = options.temperature ?? 0.07;
  const baseTemperature = options.baseTemperature ?? 0.07;
  checkTemperature(FN, 'temperature', temperature);
  checkTemperature(FN, 'baseTemperature', baseTemperature);
  const positives = options.positives ?? 'any';
  if (positives !== 'any' && positives !== 'jaccard') {
    throw new InputError(FN, `positives must be 'any' or 'jaccard', but got ${String(positives)}`);
  }
  const threshold = options.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new InputError(FN, `threshold must be in (0, 1], but got ${String(threshold)}`);
  }
  if (positives === 'jaccard' && options.multiHot === undefined) {
    throw new InputError(FN, `positives 'jaccard' needs multiHot label sets`);
  }
  return tf.tidy(() => {
    const samplePositives = samplePositiveWeights(options, batch, positives, threshold);
    const z = options.normalize === false ? features : tf.div(features, tf.maximum(safeNorm(features, 2, true), 1e-12));
    // View-major flattening, as the reference code does: row v·batch + b is view v of sample b.
    const flat = tf.reshape(tf.transpose(z, [1, 0, 2]), [views * batch, dim]);
    const n = views * batch;
    const logits = tf.div(tf.matMul(flat, flat, false, true), temperature);
    const shifted = tf.sub(logits, stopGradient(tf.max(logits, 1, true)));
    const notSelf = tf.sub(1, tf.eye(n));
    const weights = tf.mul(tf.tile(samplePositives, [views, views]), notSelf);
    const logDenominator = tf.log(tf.sum(tf.mul(tf.exp(shifted), notSelf), 1, true));
    const logProb = tf.sub(shifted, logDenominator);
    const weightSum = tf.sum(weights, 1);
    // Anchors without positives: numerator 0, denominator replaced by 1, so they contribute 0.
    const safeSum = tf.where(tf.less(weightSum, 1e-6), tf.onesLike(weightSum), weightSum);
    const meanLogProbPos = tf.div(tf.sum(tf.mul(weights, logProb), 1), safeSum);
    return tf.mul(tf.mean(meanLogProbPos), -(temperature / baseTemperature)) as tf.Scalar;
  });
}

/** The `[batch, batch]` positive weights between samples (self included; removed later per anchor). */
function samplePositiveWeights(
  options: SupConOptions,
  batch: number,
  positives: 'any' | 'jaccard',
  threshold: number,
): tf.Tensor2D {
  if (options.mask !== undefined) {
    const mask = options.mask;
    if (!(mask instanceof tf.Tensor) || mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== batch) {
      const got = mask instanceof tf.Tensor ? `shape [${mask.shape}]` : typeof mask;
      throw new InputError(FN, `mask must be a [${batch}, ${batch}] Tensor2D to match features' batch, but got ${got}`);
    }
    return tf.cast(mask, 'float32');
  }
  const w = new Float32Array(batch * batch);
  if (options.labels !== undefined) {
    const labels = readLabels(FN, options.labels, batch);
    for (let i = 0; i < batch; i++) for (let j = 0; j < batch; j++) w[i * batch + j] = labels[i] === labels[j] ? 1 : 0;
  } else if (options.multiHot !== undefined) {
    const rows = readMultiHot(FN, options.multiHot, batch);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < batch; j++) {
        let inter = 0;
        let union = 0;
        rows[i]!.forEach((a, k) => {
          const b = rows[j]![k]!;
          inter += a & b;
          union += a | b;
        });
        if (positives === 'any') w[i * batch + j] = inter > 0 ? 1 : 0;
        else {
          const jac = union === 0 ? 0 : inter / union;
          w[i * batch + j] = jac >= threshold ? jac : 0;
        }
      }
    }
  } else {
    for (let i = 0; i < batch; i++) w[i * batch + i] = 1;
  }
  return tf.tensor2d(w, [batch, batch]);
}
