// A correct ResizeNearestNeighborGrad for the cpu backend: tfjs-backend-cpu 4.22 reads dy with the images' batch
// stride, so every batch element after the first gets a wrong gradient.
import type * as tf from '@tensorflow/tfjs';

/** The source row (or column) tfjs' forward ResizeNearestNeighbor reads for each output row. */
export function nearestSource(
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const out = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    let n = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
    if (halfPixelCenters) n = Math.max(0, n);
    out[i] = n;
  }
  return out;
}

interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function resizeNearestNeighborGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const images = args.inputs['images']!;
  const dy = args.inputs['dy']!;
  const backend = args.backend as CpuBackend;
  const alignCorners = Boolean(args.attrs['alignCorners']);
  const halfPixel = Boolean(args.attrs['halfPixelCenters']);
  const [batch, h, w, c] = images.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  const rows = nearestSource(h, oh, alignCorners, halfPixel);
  const cols = nearestSource(w, ow, alignCorners, halfPixel);
  const g = backend.readSync(dy.dataId) as Float32Array;
  const out = new Float32Array(batch * h * w * c);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < oh; y++) {
      const rowBase = (b * h + rows[y]!) * w;
      for (let x = 0; x < ow; x++) {
        const base = (rowBase + cols[x]!) * c;
        for (let d = 0; d < c; d++) out[base + d] = out[base + d]! + g[k++]!;
      }
    }
  }
  return backend.makeTensorInfo([batch, h, w, c], 'float32', out);
}

export const resizeNearestNeighborGradCpu: tf.KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'cpu',
  kernelFunc: resizeNearestNeighborGrad as unknown as tf.KernelFunc,
};
