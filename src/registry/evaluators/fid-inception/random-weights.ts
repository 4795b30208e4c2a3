// Random FID Inception weights with the real names and shapes, for tests and timing (the real file cannot be
// downloaded here): He-scaled convs, batch norms near identity, so activations stay finite through 94 layers.
import type {NamedTensor} from '../../../core/safetensors';
import {Rng} from '../../../core/rng';
import {expectedTensors} from './layout';

/** Every tensor of `expectedTensors()` plus the optional num_batches_tracked counters when `counters` is set. */
export function randomFidInceptionTensors(seed: number, counters = false): Map<string, NamedTensor> {
  const rng = Rng.for(seed, 'fid-inception-random-weights');
  const out = new Map<string, NamedTensor>();
  for (const [name, shape] of expectedTensors()) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.endsWith('conv.weight')) data = rng.normals(n, Math.sqrt(2 / (shape[1]! * shape[2]! * shape[3]!)));
    else if (name === 'fc.weight') data = rng.normals(n, Math.sqrt(1 / shape[1]!));
    else if (name.endsWith('bn.running_var')) data = Float32Array.from({length: n}, () => rng.uniform(0.5, 1.5));
    else if (name.endsWith('bn.weight')) data = Float32Array.from({length: n}, () => rng.uniform(0.5, 1.5));
    else data = rng.normals(n, 0.1); // bn.bias, bn.running_mean, fc.bias
    out.set(name, {dtype: 'F32', shape, data});
    if (counters && name.endsWith('bn.running_var'))
      out.set(name.replace(/running_var$/, 'num_batches_tracked'), {
        dtype: 'I64',
        shape: [],
        data: new BigInt64Array(1),
      });
  }
  return out;
}
