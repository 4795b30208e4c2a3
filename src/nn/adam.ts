// Adam with named, checkpointable state (PyTorch's update rule), plus global-norm gradient clipping.
import * as tf from '@tensorflow/tfjs';
import {TORCH_BACKEND, type TorchBackend} from '../core/backends/torch/backend';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps?: number;
}

/**
 * Adam over a fixed set of named variables. State (step, first and second moments) is keyed by variable
 * name, so a checkpoint restores it regardless of creation order.
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)
 */
export class Adam {
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly vars: ReadonlyMap<string, tf.Variable>,
    private readonly opts: AdamOptions,
  ) {
    for (const [name, variable] of vars) {
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
    }
  }

  /** Applies one update from gradients keyed by variable name (missing names are left unchanged). */
  apply(grads: Record<string, tf.Tensor>): void {
    this.step += 1;
    const {lr, beta1, beta2} = this.opts;
    const eps = this.opts.eps ?? 1e-8;
    const bc1 = 1 - beta1 ** this.step;
    const bc2 = Math.sqrt(1 - beta2 ** this.step);
    // on torch, one native call per variable updates it and its moments in place
    const backend = tf.getBackend() === TORCH_BACKEND ? (tf.engine().backend as TorchBackend) : undefined;
    const h = {lr, beta1, beta2, bc1, bc2, eps};
    tf.tidy(() => {
      for (const [name, variable] of this.vars) {
        const g = grads[name];
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        if (backend?.adamInPlace(variable, g, m, v, h)) continue;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        variable.assign(tf.sub(variable, tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), bc2), eps)), lr / bc1)));
      }
    });
  }

  /** Moments by name (`<var>/adam_m`, `<var>/adam_v`), for checkpoints. */
  stateTensors(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [name, t] of this.m) out.set(`${name}/adam_m`, t);
    for (const [name, t] of this.v) out.set(`${name}/adam_v`, t);
    return out;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

/** Scales gradients so that their global L2 norm is at most `maxNorm` (like torch's clip_grad_norm_). */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  names: readonly string[],
  maxNorm: number,
): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const picked = names.filter((n) => grads[n]);
    if (picked.length === 0) return grads;
    const norm = tf.sqrt(tf.addN(picked.map((n) => tf.sum(tf.square(grads[n]!)))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {...grads};
    for (const n of picked) out[n] = tf.mul(grads[n]!, scale);
    return out;
  });
}
