// Gradients keyed by scg's parameter names (tfjs keys them by its own, process-global variable names).
import * as tf from '@tensorflow/tfjs';

/** Like tf.variableGrads over a named variable table; the gradients come back under the table's names. */
export function namedGrads(
  f: () => tf.Scalar,
  variables: ReadonlyMap<string, tf.Variable>,
): {value: tf.Scalar; grads: Record<string, tf.Tensor>} {
  const {value, grads} = tf.variableGrads(f, [...variables.values()]);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, v] of variables) {
    const g = grads[v.name];
    if (g) out[name] = g;
  }
  return {value, grads: out};
}
