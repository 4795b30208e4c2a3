// Lets a patched kernel reuse the backend's own kernels on TensorInfos, and free its intermediates.
import * as tf from '@tensorflow/tfjs';

/** Minimal view of a backend as seen from inside a kernel function. */
export interface KernelBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput?(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  readSync(dataId: object): tf.backend_util.BackendValues;
  typedArrayFromHeap?(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

/** Runs the kernel `name` registered for `backendName` directly on TensorInfos (no tape, no engine scope). */
export function callKernel(
  backendName: string,
  backend: KernelBackend,
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown> = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, backendName);
  if (!kernel)
    throw new Error(`scg kernel patch needs kernel ${name} on backend ${backendName}, which is not registered`);
  return kernel.kernelFunc({
    inputs,
    backend: backend as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  }) as tf.TensorInfo;
}

/** Frees intermediate TensorInfos created by `callKernel`. */
export function disposeInfos(backend: KernelBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
