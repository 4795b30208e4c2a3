// Spectral normalisation of a weight (Miyato et al. 2018) as DM-GAN's discriminators apply it: one power iteration
// per forward pass from a stored unit vector u, then W / σ with σ = uᵀ·W·v, u and v carrying no gradient.
import * as tf from '@tensorflow/tfjs';
import {stopGradient} from '../ops/stop-gradient';
import {conv, type Conv, type ParamSet} from './params';

const EPS = 1e-12;

/** A convolution whose weight is divided by its largest singular value, estimated by power iteration. */
export interface SpectralConv extends Conv {
  /** `[out]`: the left singular vector estimate carried from one forward pass to the next (a buffer). */
  u: tf.Variable;
}

/** Conv weights and bias as `ParamSet.conv` makes them, plus the buffer u. */
export function spectralConv(params: ParamSet, name: string, k: number, inCh: number, outCh: number): SpectralConv {
  return {...params.conv(name, k, inCh, outCh, true), u: params.unitBuffer(`${name}/u`, outCh)};
}

const unit = (x: tf.Tensor1D) => tf.div(x, tf.add(tf.norm(x), EPS)) as tf.Tensor1D;

/**
 * W / σ(W) for a weight whose last axis is the output units, viewed as the matrix W_m `[out, fan_in]`:
 * v = unit(W_mᵀ·u), u' = unit(W_m·v), σ = u'ᵀ·W_m·v with the gradient flowing through W_m only. With `update`,
 * u' is stored for the next pass (PyTorch updates it on every forward pass in training mode).
 */
export function spectralNormalize(w: tf.Tensor, u: tf.Variable, update: boolean): tf.Tensor {
  const out = w.shape[w.shape.length - 1]!;
  const wm = tf.reshape(w, [-1, out]); // W_mᵀ, up to the order of the fan-in axis (which leaves u and σ alone)
  const fixed = stopGradient(wm);
  const v = unit(tf.reshape(tf.matMul(fixed, tf.reshape(u, [out, 1])), [-1]));
  const uNext = stopGradient(unit(tf.reshape(tf.matMul(tf.reshape(v, [1, -1]), fixed), [-1])));
  if (update) u.assign(uNext);
  const sigma = tf.sum(tf.mul(tf.reshape(tf.matMul(tf.reshape(stopGradient(v), [1, -1]), wm), [-1]), uNext));
  return tf.div(w, sigma);
}

/** NHWC convolution with the spectrally normalised weight (and the bias as is). */
export function applySpectralConv(
  x: tf.Tensor4D,
  layer: SpectralConv,
  update: boolean,
  stride = 1,
  pad: 'same' | 'valid' | number = 'same',
): tf.Tensor4D {
  return conv(x, {w: spectralNormalize(layer.w, layer.u, update) as tf.Variable, b: layer.b}, stride, pad);
}
