// Named, seeded trainable variables: every model owns a ParamSet, and checkpoints save them by name.
import * as tf from '@tensorflow/tfjs';
import type {Rng} from '../core/rng';
import {orthogonalMatrix} from './orthogonal';

/**
 * How conv and dense layers and batch-norm scales start: `uniform` is PyTorch's default (uniform ±1/√fan_in,
 * scale 1); `attngan` is AttnGAN's `weights_init` (orthogonal conv and linear weights, linear biases 0, batch-norm
 * scale N(1, 0.02)), which DM-GAN uses too.
 */
export type InitScheme = 'uniform' | 'attngan';

/**
 * Creates variables under a name prefix with the initialisations of `init` (PyTorch's defaults unless set), drawn
 * from a seeded stream so that the same seed builds the same model on any backend.
 */
export class ParamSet {
  /** How layers created from now on start (children made by `scope` take it). */
  init: InitScheme = 'uniform';
  /** Trainable variables (what optimizers and EMA see). */
  readonly variables = new Map<string, tf.Variable>();
  /** Non-trainable state saved in checkpoints (batch-norm running statistics). */
  readonly buffers = new Map<string, tf.Variable>();

  constructor(
    readonly prefix: string,
    private readonly rng: Rng,
    private readonly trainable = true,
  ) {}

  /** A child set whose names are `prefix/name/...`, sharing this set's variable table and stream. */
  scope(name: string): ParamSet {
    const child = new ParamSet(`${this.prefix}/${name}`, this.rng, this.trainable);
    child.init = this.init;
    (child as {variables: Map<string, tf.Variable>}).variables = this.variables;
    (child as {buffers: Map<string, tf.Variable>}).buffers = this.buffers;
    return child;
  }

  /** A variable of `shape` with values uniform in ±bound. */
  uniform(name: string, shape: number[], bound: number): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = this.rng.uniform(-bound, bound);
    return this.add(name, tf.tensor(values, shape));
  }

  /** A variable of `shape` filled with `value`. */
  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value));
  }

  /** A non-trainable state tensor of N(0, 1) draws scaled to unit L2 norm (kept in `buffers`). */
  unitBuffer(name: string, size: number): tf.Variable {
    const values = Float32Array.from({length: size}, () => this.rng.normal());
    const norm = Math.hypot(...values);
    return this.add(name, tf.tensor1d(values.map((v) => v / (norm + 1e-12))), false);
  }

  /** A non-trainable state tensor filled with `value` (kept in `buffers`). */
  buffer(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value), false);
  }

  private add(name: string, init: tf.Tensor, trainable = this.trainable): tf.Variable {
    const full = `${this.prefix}/${name}`;
    if (this.variables.has(full) || this.buffers.has(full)) throw new Error(`parameter ${full} created twice`);
    // tfjs variable names are global to the process; ours live in the map, so two models can coexist.
    const v = tf.variable(init, trainable);
    init.dispose();
    (trainable ? this.variables : this.buffers).set(full, v);
    return v;
  }

  /**
   * Batch-norm scale/shift and running mean/variance (buffers) for `channels`. With `affine: false` the scale
   * and shift are fixed at 1 and 0 (buffers), like PyTorch's BatchNorm2d(affine=False).
   */
  batchNorm(name: string, channels: number, affine = true): BatchNormParams {
    const scale = () =>
      this.init === 'attngan'
        ? this.add(
            `${name}/gamma`,
            tf.tensor(
              this.rng.normals(channels, 0.02).map((v) => 1 + v),
              [channels],
            ),
          )
        : this.constant(`${name}/gamma`, [channels], 1);
    return {
      gamma: affine ? scale() : this.buffer(`${name}/gamma`, [channels], 1),
      beta: affine ? this.constant(`${name}/beta`, [channels], 0) : this.buffer(`${name}/beta`, [channels], 0),
      mean: this.buffer(`${name}/running_mean`, [channels], 0),
      variance: this.buffer(`${name}/running_var`, [channels], 1),
    };
  }

  /** Trainable variables and buffers together, for checkpoints. */
  all(): Map<string, tf.Variable> {
    return new Map([...this.variables, ...this.buffers]);
  }

  dispose(): void {
    tf.dispose([...this.variables.values(), ...this.buffers.values()]);
  }

  /** Dense layer weights `[in, out]` and bias `[out]`. */
  dense(name: string, inDim: number, outDim: number, bias = true): Dense {
    const bound = 1 / Math.sqrt(inDim);
    if (this.init === 'attngan') {
      // PyTorch's Linear weight is [out, in]; scg's is its transpose
      const q = orthogonalMatrix(outDim, inDim, this.rng);
      const w = new Float32Array(inDim * outDim);
      for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) w[i * outDim + o] = q[o * inDim + i]!;
      return {
        w: this.add(`${name}/w`, tf.tensor(w, [inDim, outDim])),
        b: bias ? this.constant(`${name}/b`, [outDim], 0) : undefined,
      };
    }
    return {
      w: this.uniform(`${name}/w`, [inDim, outDim], bound),
      b: bias ? this.uniform(`${name}/b`, [outDim], bound) : undefined,
    };
  }

  /** Conv weights `[k, k, in, out]` and bias `[out]`. */
  conv(name: string, k: number, inCh: number, outCh: number, bias = true): Conv {
    const bound = 1 / Math.sqrt(k * k * inCh);
    if (this.init === 'attngan') {
      // PyTorch's Conv2d weight is [out, in, kh, kw], flattened to [out, in·kh·kw]; scg's is [kh, kw, in, out]
      const q = orthogonalMatrix(outCh, inCh * k * k, this.rng);
      const w = new Float32Array(k * k * inCh * outCh);
      for (let o = 0; o < outCh; o++)
        for (let i = 0; i < inCh; i++)
          for (let y = 0; y < k; y++)
            for (let x = 0; x < k; x++)
              w[((y * k + x) * inCh + i) * outCh + o] = q[o * inCh * k * k + (i * k + y) * k + x]!;
      // AttnGAN's weights_init leaves conv biases at PyTorch's default
      return {
        w: this.add(`${name}/w`, tf.tensor(w, [k, k, inCh, outCh])),
        b: bias ? this.uniform(`${name}/b`, [outCh], bound) : undefined,
      };
    }
    return {
      w: this.uniform(`${name}/w`, [k, k, inCh, outCh], bound),
      b: bias ? this.uniform(`${name}/b`, [outCh], bound) : undefined,
    };
  }

  list(): tf.Variable[] {
    return [...this.variables.values()];
  }
}

export interface Dense {
  w: tf.Variable;
  b: tf.Variable | undefined;
}

export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

export interface Conv {
  w: tf.Variable;
  b: tf.Variable | undefined;
}

/** x·W + b over the last axis (any leading shape). */
export function dense(x: tf.Tensor, layer: Dense): tf.Tensor {
  const inDim = layer.w.shape[0]!;
  const lead = x.shape.slice(0, -1);
  let y = tf.matMul(tf.reshape(x, [-1, inDim]), layer.w);
  if (layer.b) y = tf.add(y, layer.b);
  return tf.reshape(y, [...lead, layer.w.shape[1]!]);
}

/** NHWC convolution with 'same' padding unless told otherwise. */
export function conv(x: tf.Tensor4D, layer: Conv, stride = 1, pad: 'same' | 'valid' | number = 'same'): tf.Tensor4D {
  const y = tf.conv2d(x, layer.w as tf.Tensor4D, stride, pad);
  return layer.b ? tf.add(y, layer.b) : y;
}
