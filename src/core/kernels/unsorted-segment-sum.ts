// wasm UnsortedSegmentSum (missing in tfjs-backend-wasm 4.22): the gradient of gather, so of every embedding.
import type * as tf from '@tensorflow/tfjs';
import type {KernelBackend} from './call-kernel';

/**
 * out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]. A direct accumulation over the wasm heap: O(n·rest),
 * cheaper than the one-hot matmul (O(n·segments·rest)) that expresses it with existing kernels.
 */
function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as Required<KernelBackend>;
  const x = args.inputs['x']!;
  const segmentIds = args.inputs['segmentIds']!;
  const numSegments = (args.attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  const idsShape = segmentIds.shape;
  const n = idsShape.reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(idsShape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idsShape.length)], x.dtype);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < n; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue; // TensorFlow drops out-of-range ids
    const src = i * rest;
    const dst = s * rest;
    for (let k = 0; k < rest; k++) o[dst + k] = o[dst + k]! + xv[src + k]!;
  }
  return out;
}

export const unsortedSegmentSumWasm: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
