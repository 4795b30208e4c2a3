// Exponential moving average of weights (AttnGAN keeps one of G: avg ← decay·avg + (1−decay)·w), with a
// swap for sampling and saving, as the original loads the averaged weights before it draws images.
import * as tf from '@tensorflow/tfjs';

/**
 * The decay warms up as min(decay, (1 + t)/(10 + t)) after t updates (TensorFlow's num_updates rule): with a
 * fixed 0.999 a run of a few hundred steps would still sample mostly its initial weights.
 */
export class Ema {
  readonly shadow = new Map<string, tf.Variable>();
  /** Updates applied so far (saved in checkpoints by the caller). */
  updates = 0;

  constructor(
    private readonly vars: ReadonlyMap<string, tf.Variable>,
    readonly decay: number,
  ) {
    for (const [name, v] of vars)
      this.shadow.set(
        name,
        tf.tidy(() => tf.variable(v.clone(), false)),
      );
  }

  update(): void {
    const decay = Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
    this.updates += 1;
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        const s = this.shadow.get(name)!;
        s.assign(tf.add(tf.mul(s, decay), tf.mul(v, 1 - decay)));
      }
    });
  }

  /** Runs `fn` with the averaged weights in place of the live ones, then puts the live ones back. */
  withAveraged<T>(fn: () => T): T {
    const live = new Map([...this.vars].map(([n, v]) => [n, v.clone()]));
    try {
      for (const [n, v] of this.vars) v.assign(this.shadow.get(n)!);
      return fn();
    } finally {
      for (const [n, v] of this.vars) v.assign(live.get(n)!);
      tf.dispose([...live.values()]);
    }
  }

  /** Shadow tensors by `<name>/ema`, for checkpoints. */
  stateTensors(): Map<string, tf.Variable> {
    return new Map([...this.shadow].map(([n, v]) => [`${n}/ema`, v]));
  }

  dispose(): void {
    tf.dispose([...this.shadow.values()]);
  }
}
