// wasm Conv2DBackpropInput at forward-conv speed: one small stride-1 forward conv per output phase.
import * as tf from '@tensorflow/tfjs';
import {callKernel, disposeInfos, type KernelBackend} from './call-kernel';

/**
 * tfjs-backend-wasm 4.22 computes dx with a naive loop, ~10× slower than its forward conv. With stride s,
 * input row i = q·s + r − padTop receives Σ_m dy[q − m] · W[r + s·m]: for each phase r (s² of them in 2-D) a
 * full stride-1 convolution of dy with the flipped, channel-transposed sub-filter W[r::s]. Each is one
 * XNNPACK conv; the phases are then interleaved into dx. No zeros are multiplied (unlike zero-inserting dy).
 */
/** Flipped sub-filter W[ry::sh, rx::sw] with in/out channels swapped: wf[a, b, o, c] = W[ry + sh·(subH−1−a), rx + sw·(subW−1−b), c, o]. */
function flippedSubFilter(
  backend: Required<KernelBackend>,
  w: ArrayLike<number>,
  kh: number,
  kw: number,
  ci: number,
  co: number,
  ry: number,
  rx: number,
  sh: number,
  sw: number,
): tf.TensorInfo {
  const subH = Math.ceil((kh - ry) / sh);
  const subW = Math.ceil((kw - rx) / sw);
  const wf = backend.makeOutput([subH, subW, co, ci], 'float32');
  const wv = backend.typedArrayFromHeap(wf);
  for (let a = 0; a < subH; a++) {
    for (let b = 0; b < subW; b++) {
      const src = ((ry + sh * (subH - 1 - a)) * kw + (rx + sw * (subW - 1 - b))) * ci * co;
      const dst = (a * subW + b) * co * ci;
      for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) wv[dst + o * ci + c] = w[src + c * co + o]!;
    }
  }
  return wf;
}

export function wrapConv2DBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return ((args: {inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap}) => {
    const backend = args.backend as Required<KernelBackend>;
    const dy = args.inputs['dy']!;
    const filter = args.inputs['filter']!;
    const {strides, pad, dataFormat, dimRoundingMode, inputShape} =
      args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW') return original(args as never);
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      [kh, kw, ci, co],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [batch, inH, inW] = inputShape;
    const {strideHeight: sh, strideWidth: sw, outHeight, outWidth} = info;
    const {top, left} = info.padInfo;
    const w = backend.typedArrayFromHeap(filter).slice(); // small: copy out of the heap once
    const {bottom, right} = info.padInfo;
    if (sh === 1 && sw === 1 && top < kh && bottom < kh && left < kw && right < kw) {
      // Stride 1 is a single phase, and padding dy by (k − 1 − pad) on each side makes the conv's output dx itself.
      const wf = flippedSubFilter(backend, w, kh, kw, ci, co, 0, 0, 1, 1);
      const dx = callKernel(
        'wasm',
        backend,
        'Conv2D',
        {x: dy, filter: wf},
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [kh - 1 - top, kh - 1 - bottom],
            [kw - 1 - left, kw - 1 - right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [1, 1],
          dimRoundingMode: undefined,
        },
      );
      disposeInfos(backend, wf);
      return dx;
    }
    const dx = backend.makeOutput([batch, inH, inW, ci], 'float32');
    backend.typedArrayFromHeap(dx).fill(0);
    for (let ry = 0; ry < sh; ry++) {
      for (let rx = 0; rx < sw; rx++) {
        const subH = Math.ceil((kh - ry) / sh);
        const subW = Math.ceil((kw - rx) / sw);
        if (subH <= 0 || subW <= 0) continue;
        const wf = flippedSubFilter(backend, w, kh, kw, ci, co, ry, rx, sh, sw);
        // Full correlation: z[q] = Σ_m dy[q − m]·W[ry + s·m], q = 0 … out + sub − 2.
        const z = callKernel(
          'wasm',
          backend,
          'Conv2D',
          {x: dy, filter: wf},
          {
            strides: [1, 1],
            pad: [
              [0, 0],
              [subH - 1, subH - 1],
              [subW - 1, subW - 1],
              [0, 0],
            ],
            dataFormat: 'NHWC',
            dilations: [1, 1],
            dimRoundingMode: undefined,
          },
        );
        const zH = outHeight + subH - 1;
        const zW = outWidth + subW - 1;
        const zv = backend.typedArrayFromHeap(z);
        const out = backend.typedArrayFromHeap(dx);
        for (let n = 0; n < batch; n++) {
          for (let q = 0; q < zH; q++) {
            const i = q * sh + ry - top;
            if (i < 0 || i >= inH) continue;
            for (let p = 0; p < zW; p++) {
              const j = p * sw + rx - left;
              if (j < 0 || j >= inW) continue;
              const s = ((n * zH + q) * zW + p) * ci;
              out.set(zv.subarray(s, s + ci), ((n * inH + i) * inW + j) * ci);
            }
          }
        }
        disposeInfos(backend, wf, z);
      }
    }
    return dx;
  }) as unknown as tf.KernelFunc;
}
