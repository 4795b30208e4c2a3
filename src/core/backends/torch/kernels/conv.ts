// Convolution and pooling torch kernels (NHWC, TF's padding rules via tfjs' conv info): Conv2D and its
// backprops, FusedConv2D, AvgPool/MaxPool and their gradients.
import * as tf from '@tensorflow/tfjs';
import {activationCode, optional} from './linalg';
import {convArgs, input, torchKernel} from './define';

type Shape4 = [number, number, number, number];

function channelsLast(format: unknown): 'channelsLast' {
  const f = tf.backend_util.convertConv2DDataFormat((format as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC');
  if (f !== 'channelsLast') throw new Error('torch backend: only NHWC convolutions are supported');
  return f;
}

function convInfo(
  xShape: number[],
  wShape: number[],
  attrs: tf.NamedAttrMap,
  dilations: unknown = 1,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    wShape as Shape4,
    attrs['strides'] as number | [number, number],
    dilations as number | [number, number],
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'floor' | undefined,
    false,
    channelsLast(attrs['dataFormat']),
  );
}

function poolInfo(xShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as Shape4,
    attrs['filterSize'] as number | [number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'floor' | undefined,
  );
}

export const conv2D = torchKernel('Conv2D', (args) => {
  const x = input(args, 'x');
  const w = input(args, 'filter');
  const info = convInfo(x.shape, w.shape, args.attrs, args.attrs['dilations']);
  const b = args.backend;
  return b.output(b.addon.Conv2D(b.handle(x), b.handle(w), convArgs(info)), info.outShape, 'float32');
});

export const fusedConv2D = torchKernel('FusedConv2D', (args) => {
  const x = input(args, 'x');
  const w = input(args, 'filter');
  const info = convInfo(x.shape, w.shape, args.attrs, args.attrs['dilations']);
  const b = args.backend;
  const h = b.addon.FusedConv2D(
    b.handle(x),
    b.handle(w),
    convArgs(info),
    optional(b, args.inputs['bias']),
    activationCode(args.attrs['activation']),
    optional(b, args.inputs['preluActivationWeights']),
    (args.attrs['leakyreluAlpha'] as number | undefined) ?? 0.2,
  );
  return b.output(h, info.outShape, 'float32');
});

export const conv2DBackpropInput = torchKernel('Conv2DBackpropInput', (args) => {
  const dy = input(args, 'dy');
  const w = input(args, 'filter');
  const xShape = args.attrs['inputShape'] as number[];
  const info = convInfo(xShape, w.shape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.Conv2DBackpropInput(b.handle(dy), b.handle(w), xShape, convArgs(info)),
    [...xShape],
    'float32',
  );
});

export const conv2DBackpropFilter = torchKernel('Conv2DBackpropFilter', (args) => {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const wShape = args.attrs['filterShape'] as number[];
  const info = convInfo(x.shape, wShape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.Conv2DBackpropFilter(b.handle(x), b.handle(dy), wShape, convArgs(info)),
    [...wShape],
    'float32',
  );
});

export const avgPool = torchKernel('AvgPool', (args) => {
  const x = input(args, 'x');
  const info = poolInfo(x.shape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.AvgPool(b.handle(x), [info.filterHeight, info.filterWidth], convArgs(info)),
    info.outShape,
    'float32',
  );
});

export const avgPoolGrad = torchKernel('AvgPoolGrad', (args) => {
  const dy = input(args, 'dy');
  const x = input(args, 'input');
  const info = poolInfo(x.shape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.AvgPoolGrad(b.handle(dy), x.shape, [info.filterHeight, info.filterWidth], convArgs(info)),
    x.shape,
    'float32',
  );
});

export const maxPool = torchKernel('MaxPool', (args) => {
  const x = input(args, 'x');
  const info = poolInfo(x.shape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.MaxPool(b.handle(x), [info.filterHeight, info.filterWidth], convArgs(info)),
    info.outShape,
    x.dtype,
  );
});

export const maxPoolGrad = torchKernel('MaxPoolGrad', (args) => {
  const dy = input(args, 'dy');
  const x = input(args, 'input');
  const info = poolInfo(x.shape, args.attrs);
  const b = args.backend;
  return b.output(
    b.addon.MaxPoolGrad(b.handle(dy), b.handle(x), [info.filterHeight, info.filterWidth], convArgs(info)),
    x.shape,
    'float32',
  );
});
