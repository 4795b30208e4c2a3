// wasm Conv2DBackpropFilter (missing in tfjs-backend-wasm 4.22), computed as one dilated forward convolution.
import * as tf from '@tensorflow/tfjs';
import {callKernel, disposeInfos, type KernelBackend} from './call-kernel';

/**
 * dW[kh,kw,ci,co] = Σ_{b,i,j} xPad[b, i·s+kh, j·s+kw, ci] · dy[b,i,j,co].
 * Reading xPad as a batch of `ci` images with `b` channels and dy as a `[oh, ow, b, co]` filter, this is a
 * valid convolution with dilation = stride; its `[ci, ≥kh, ≥kw, co]` output is cropped and transposed to
 * `[kh, kw, ci, co]`. It runs at forward-conv speed, against a missing kernel before.
 */
function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as KernelBackend;
  const x = args.inputs['x']!;
  const dy = args.inputs['dy']!;
  const {strides, pad, dataFormat, dimRoundingMode, filterShape} =
    args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC')
    throw new Error(`scg Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const {top, bottom, left, right} = info.padInfo;
  const [kh, kw, ci, co] = filterShape;
  const call = (name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown> = {}) =>
    callKernel('wasm', backend, name, inputs, attrs);
  // Padding and strides may leave rows the forward conv never read; crop them so that the dilated conv
  // output is exactly large enough.
  const usedH = (info.outHeight - 1) * info.strideHeight + kh;
  const usedW = (info.outWidth - 1) * info.strideWidth + kw;
  const xPad = call(
    'PadV2',
    {x},
    {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const xUsed = call('Slice', {x: xPad}, {begin: [0, 0, 0, 0], size: [x.shape[0], usedH, usedW, ci]});
  const xT = call('Transpose', {x: xUsed}, {perm: [3, 1, 2, 0]});
  const dyT = call('Transpose', {x: dy}, {perm: [1, 2, 0, 3]});
  const conv = call(
    'Conv2D',
    {x: xT, filter: dyT},
    {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
      dimRoundingMode: undefined,
    },
  );
  const dw = call('Transpose', {x: conv}, {perm: [1, 2, 0, 3]});
  disposeInfos(backend, xPad, xUsed, xT, dyT, conv);
  if (dw.shape.join() !== [kh, kw, ci, co].join())
    throw new Error(`scg Conv2DBackpropFilter: got [${dw.shape}], expected [${filterShape}]`);
  return dw;
}

export const conv2DBackpropFilterWasm: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
