// Conditioning augmentation (StackGAN/AttnGAN CA_NET): sentence → GLU(fc) → μ, logσ²; c = μ + ε·σ; KL to N(0, I).
import * as tf from '@tensorflow/tfjs';
import {dense, type Dense, type ParamSet} from '../../../nn/params';
import {glu} from './blocks';

export class ConditioningAugmentation {
  private readonly fc: Dense;
  constructor(
    params: ParamSet,
    embedDim: number,
    readonly condDim: number,
  ) {
    this.fc = params.dense('ca/fc', embedDim, 4 * condDim);
  }

  /**
   * `noise` is ε (`[batch, condDim]`); pass zeros for the mean code.
   * KL = mean over batch and dims of −½(1 + logσ² − μ² − σ²), as the original's KL_loss.
   */
  apply(sentence: tf.Tensor2D, noise: tf.Tensor2D): {code: tf.Tensor2D; kl: tf.Scalar} {
    const x = glu(dense(sentence, this.fc)) as tf.Tensor2D;
    const [mu, logvar] = tf.split(x, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const code = tf.add(mu, tf.mul(noise, tf.exp(tf.mul(logvar, 0.5)))) as tf.Tensor2D;
    const kl = tf.mul(tf.mean(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar)))), -0.5) as tf.Scalar;
    return {code, kl};
  }
}
