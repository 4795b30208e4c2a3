// Shard programs that exercise the data-parallel machinery in tests (worker threads build them by module path).
import * as tf from '@tensorflow/tfjs';
import type {ShardPlace, ShardProgram} from '../src/parallel/group';
import {activeCollective, averageGradients, gatherRows} from '../src/parallel/sharded-ops';
import {batchNorm} from '../src/nn/batch-norm';
import {ParamSet} from '../src/nn/params';
import {Rng} from '../src/core/rng';

export type ProbeMessage =
  | {kind: 'gather'; length: number}
  | {kind: 'fail'; rank: number}
  | {kind: 'batch-norm'; rows: number[]};

/**
 * gather: rank r contributes `length·(r+1)` copies of r; returns what rank 0 received. fail: rank `rank` throws.
 * batch-norm: rank r owns `rows[r]` rows of a fixed batch; returns the loss and gradients of the whole batch.
 */
export function probe(_args: unknown, place: ShardPlace): ShardProgram<ProbeMessage, unknown> {
  return {
    handle(m) {
      const c = activeCollective()!;
      if (m.kind === 'fail') {
        if (place.rank === m.rank) throw new Error('deliberate failure');
        c.allGather(new Float32Array(1)); // waits for the failing rank
        return undefined;
      }
      if (m.kind === 'gather')
        return c
          .allGather(new Float32Array(m.length * (place.rank + 1)).fill(place.rank))
          .map((p) => [p.length, p[0], p[p.length - 1]]);
      return batchNormProbe(m.rows, place.rank);
    },
    dispose: () => undefined,
  };
}

/**
 * Loss Σ w·BN(x) over a fixed batch, its gradient w.r.t. x (all rows, gathered) and γ, as a one-thread step would
 * see them: each rank differentiates every rank's loss through its rows, so x's gradient is divided by the thread
 * count and γ's is averaged over the ranks, as training does.
 */
export function batchNormProbe(
  rows: number[],
  rank: number,
): {loss: number; dx: number[]; dGamma: number[]; runningVar: number[]} {
  const total = rows.reduce((a, b) => a + b, 0);
  const start = rows.slice(0, rank).reduce((a, b) => a + b, 0);
  const params = new ParamSet('p', Rng.for(0, 'bn-probe'));
  const bn = params.batchNorm('bn', 3);
  const rng = Rng.for(0, 'bn-probe-data');
  const x = tf.tensor4d(
    rng.normals(total * 2 * 2 * 3).map((v) => 3 + v),
    [total, 2, 2, 3],
  );
  const w = tf.tensor4d(rng.normals(total * 2 * 2 * 3), [total, 2, 2, 3]);
  const mine = (t: tf.Tensor4D) => tf.slice(t, [start, 0, 0, 0], [rows[rank]!, -1, -1, -1]);
  const local = mine(x);
  const {value, grads} = tf.variableGrads(() => {
    const y = batchNorm(local, bn, {training: true});
    // A loss over all rows (gathered), so the gradient to x crosses ranks the way DAMSM's does.
    return tf.sum(tf.mul(gatherRows(y), w)) as tf.Scalar;
  }, [bn.gamma as tf.Variable]);
  const dx = tf.grad((xx: tf.Tensor) =>
    tf.sum(tf.mul(gatherRows(batchNorm(xx as tf.Tensor4D, bn, {training: true, updateStats: false})), w)),
  )(local);
  const size = activeCollective()?.size ?? 1;
  const dGamma = averageGradients({gamma: Object.values(grads)[0]!}, activeCollective())['gamma']!;
  const out = {
    loss: value.dataSync()[0]!,
    dx: Array.from(gatherRows(dx).dataSync()).map((v) => v / size),
    dGamma: Array.from(dGamma.dataSync()),
    runningVar: Array.from(bn.variance.dataSync()),
  };
  tf.dispose([x, w, local, value, dx, dGamma]);
  params.dispose();
  return out;
}
