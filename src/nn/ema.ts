// Exponential moving average of weights (AttnGAN keeps one of G: avg ← decay·avg + (1−decay)·w), with a
// swap for sampling and saving, as the original loads the averaged weights before it draws images.
import * as tf from '@tensorflow/tfjs';

export class Ema {
  readonly shadow = new Map<string, tf.Variable>();

  constructor(private readonly vars: ReadonlyMap<string, tf.Variable>, readonly decay: number) {
    for (const [name, v] of vars) this.shadow.set(name, tf.variable(v.clone(), false));
  }

  update(): void {
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        const s = this.shadow.get(name)!;
        s.assign(tf.add(tf.mul(s, this.decay), tf.mul(v, 1 - this.decay)));
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
