// wasm BatchMatMul made fast for the two cases tfjs-backend-wasm 4.22 handles slowly: transposed operands and
// batch > 1. Both are rewritten into the single-batch, untransposed product that runs through XNNPACK.
import type * as tf from '@tensorflow/tfjs';
import {callKernel, disposeInfos, type KernelBackend} from './call-kernel';

/**
 * Measured on 2 cores: 512×64 · (2048×64)ᵀ takes 131 ms with transposeB against 12 ms after an explicit
 * Transpose; [32,512,64]·[32,64,64] takes ~150 ms as one batched call against 32 × 0.64 ms as single-batch
 * products. Every matMul gradient uses a transposed operand, and attention uses batched products.
 */
export function wrapBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ((args: {inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap}) => {
    const {transposeA, transposeB} = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend as Required<KernelBackend>;
    const call = (name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>) =>
      callKernel('wasm', backend, name, inputs, attrs);
    const temps: tf.TensorInfo[] = [];
    const swapLast = (x: tf.TensorInfo) => {
      const r = x.shape.length;
      const t = call('Transpose', {x}, {perm: [...Array(r - 2).keys(), r - 1, r - 2]});
      temps.push(t);
      return t;
    };
    const a = transposeA ? swapLast(args.inputs['a']!) : args.inputs['a']!;
    const b = transposeB ? swapLast(args.inputs['b']!) : args.inputs['b']!;
    const plain = {transposeA: false, transposeB: false};
    const batchOf = (x: tf.TensorInfo) => x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const [batchA, batchB] = [batchOf(a), batchOf(b)];
    const sameBatchShape = a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
    let out: tf.TensorInfo;
    if (Math.max(batchA, batchB) <= 1 || !(sameBatchShape || batchA === 1 || batchB === 1)) {
      out = original({...args, inputs: {a, b}, attrs: {...args.attrs, ...plain}} as never) as tf.TensorInfo;
    } else {
      const [m, k] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      const batch = Math.max(batchA, batchB);
      const outShape = [...(batchA >= batchB ? a : b).shape.slice(0, -2), m, n];
      const a3 = call('Reshape', {x: a}, {shape: [batchA, m, k]});
      const b3 = call('Reshape', {x: b}, {shape: [batchB, k, n]});
      temps.push(a3, b3);
      out = backend.makeOutput(outShape, 'float32');
      // wasm's Slice kernel is slow on these shapes (3.7 ms for 32k floats); a heap copy is a memcpy.
      const take = (x: tf.TensorInfo, i: number, rows: number, cols: number) => {
        const part = backend.makeOutput([1, rows, cols], 'float32');
        backend
          .typedArrayFromHeap(part)
          .set(backend.typedArrayFromHeap(x).subarray(i * rows * cols, (i + 1) * rows * cols));
        return part;
      };
      for (let i = 0; i < batch; i++) {
        const ai = batchA === 1 ? a3 : take(a3, i, m, k);
        const bi = batchB === 1 ? b3 : take(b3, i, k, n);
        const yi = original({
          ...args,
          inputs: {a: ai, b: bi},
          attrs: {...args.attrs, ...plain},
        } as never) as tf.TensorInfo;
        // Heap views move when wasm memory grows, so take them fresh after each product.
        backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(yi), i * m * n);
        disposeInfos(backend, yi, ...(ai === a3 ? [] : [ai]), ...(bi === b3 ? [] : [bi]));
      }
    }
    disposeInfos(backend, ...temps);
    return out;
  }) as unknown as tf.KernelFunc;
}
