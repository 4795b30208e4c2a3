// Shape and indexing torch kernels: reshape family, transpose, slices, concat/stack/split, pad, tile, gather, fills.
import * as tf from '@tensorflow/tfjs';
import {dtypeCode} from '../backend';
import {axesOf, input, inputList, torchKernel, type TorchKernelArgs} from './define';

/** A new tensor that shares x's storage under another shape (reshape, expandDims, squeeze, identity). */
function view(args: TorchKernelArgs, shape: number[], name = 'x'): tf.TensorInfo {
  const x = input(args, name);
  return args.backend.output(args.backend.addon.Reshape(args.backend.handle(x), shape), shape, x.dtype);
}

export const reshape = torchKernel('Reshape', (args) => {
  const x = input(args, 'x');
  return view(args, tf.util.inferFromImplicitShape(args.attrs['shape'] as number[], tf.util.sizeFromShape(x.shape)));
});

export const identity = torchKernel('Identity', (args) => view(args, input(args, 'x').shape));

export const expandDims = torchKernel('ExpandDims', (args) => {
  const x = input(args, 'input');
  let dim = args.attrs['dim'] as number;
  if (dim < 0) dim += x.shape.length + 1;
  const shape = [...x.shape];
  shape.splice(dim, 0, 1);
  return view(args, shape, 'input');
});

export const squeeze = torchKernel('Squeeze', (args) => {
  const x = input(args, 'x');
  const axis = args.attrs['axis'] as number[] | undefined;
  return view(args, tf.util.squeezeShape(x.shape, axis?.length ? axesOf(axis, x.shape) : undefined).newShape);
});

export const transpose = torchKernel('Transpose', (args) => {
  const x = input(args, 'x');
  const perm = args.attrs['perm'] as number[];
  return args.backend.output(
    args.backend.addon.Transpose(args.backend.handle(x), perm),
    perm.map((p) => x.shape[p]!),
    x.dtype,
  );
});

export const slice = torchKernel('Slice', (args) => {
  const x = input(args, 'x');
  const [begin, size] = tf.slice_util.parseSliceParams(
    x,
    args.attrs['begin'] as number[],
    args.attrs['size'] as number[],
  );
  tf.slice_util.assertParamsValid(x, begin!, size!);
  return args.backend.output(args.backend.addon.Slice(args.backend.handle(x), begin!, size!), size!, x.dtype);
});

export const stridedSlice = torchKernel('StridedSlice', (args) => {
  const x = input(args, 'x');
  const a = args.attrs;
  const info = tf.slice_util.sliceInfo(
    x.shape,
    a['begin'] as number[],
    a['end'] as number[],
    a['strides'] as number[],
    a['beginMask'] as number,
    a['endMask'] as number,
    a['ellipsisMask'] as number,
    a['newAxisMask'] as number,
    a['shrinkAxisMask'] as number,
  );
  const b = args.backend;
  const h = b.handle(x);
  if (info.isIdentity) return b.output(b.addon.Reshape(h, info.finalShape), info.finalShape, x.dtype);
  return b.output(
    b.addon.StridedSlice(h, info.begin, info.end, info.strides, info.finalShape),
    info.finalShape,
    x.dtype,
  );
});

export const concat = torchKernel('Concat', (args) => {
  const xs = inputList(args);
  const axis = axesOf(args.attrs['axis'], xs[0]!.shape)[0]!;
  const shape = tf.backend_util.computeOutShape(
    xs.map((x) => x.shape),
    axis,
  );
  const kept = xs.filter((x) => tf.util.sizeFromShape(x.shape) > 0);
  const b = args.backend;
  const parts = (kept.length ? kept : xs.slice(0, 1)).map((x) => b.handle(x));
  return b.output(b.addon.Concat(parts, axis), shape, xs[0]!.dtype);
});

export const pack = torchKernel('Pack', (args) => {
  const xs = inputList(args);
  const first = xs[0]!;
  let axis = args.attrs['axis'] as number;
  if (axis < 0) axis += first.shape.length + 1;
  const shape = [...first.shape];
  shape.splice(axis, 0, xs.length);
  const b = args.backend;
  return b.output(
    b.addon.Pack(
      xs.map((x) => b.handle(x)),
      axis,
    ),
    shape,
    first.dtype,
  );
});

export const unpack = torchKernel('Unpack', (args) => {
  const x = input(args, 'value');
  const axis = axesOf(args.attrs['axis'], x.shape)[0]!;
  const shape = x.shape.filter((_, i) => i !== axis);
  const b = args.backend;
  return b.addon.Unpack(b.handle(x), axis).map((h) => b.output(h, shape, x.dtype));
});

export const splitV = torchKernel('SplitV', (args) => {
  const x = input(args, 'x');
  const axis = axesOf(args.attrs['axis'], x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x, args.attrs['numOrSizeSplits'] as number | number[], axis);
  const b = args.backend;
  return b.addon.SplitV(b.handle(x), sizes, axis).map((h, i) => {
    const shape = [...x.shape];
    shape[axis] = sizes[i]!;
    return b.output(h, shape, x.dtype);
  });
});

export const padV2 = torchKernel('PadV2', (args) => {
  const x = input(args, 'x');
  const paddings = args.attrs['paddings'] as [number, number][];
  const shape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
  const b = args.backend;
  return b.output(b.addon.Pad(b.handle(x), paddings.flat(), args.attrs['constantValue'] as number), shape, x.dtype);
});

export const tile = torchKernel('Tile', (args) => {
  const x = input(args, 'x');
  const reps = args.attrs['reps'] as number[];
  return args.backend.output(
    args.backend.addon.Tile(args.backend.handle(x), reps),
    x.shape.map((d, i) => d * reps[i]!),
    x.dtype,
  );
});

export const reverse = torchKernel('Reverse', (args) => {
  const x = input(args, 'x');
  const dims = axesOf(args.attrs['dims'], x.shape);
  return args.backend.output(args.backend.addon.Reverse(args.backend.handle(x), dims), x.shape, x.dtype);
});

export const gatherV2 = torchKernel('GatherV2', (args) => {
  const x = input(args, 'x');
  const indices = input(args, 'indices');
  const axis = axesOf(args.attrs['axis'], x.shape)[0]!;
  let batchDims = (args.attrs['batchDims'] as number | undefined) ?? 0;
  if (batchDims < 0) batchDims += indices.shape.length;
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, batchDims);
  const b = args.backend;
  const dims = [info.batchSize, info.outerSize, info.dimSize, info.sliceSize];
  return b.output(b.addon.Gather(b.handle(x), b.handle(indices), dims, info.outputShape), info.outputShape, x.dtype);
});

export const unsortedSegmentSum = torchKernel('UnsortedSegmentSum', (args) => {
  const x = input(args, 'x');
  const ids = input(args, 'segmentIds');
  const n = args.attrs['numSegments'] as number;
  const shape = [n, ...x.shape.slice(ids.shape.length)];
  const b = args.backend;
  return b.output(b.addon.UnsortedSegmentSum(b.handle(x), b.handle(ids), n), shape, x.dtype);
});

export const oneHot = torchKernel('OneHot', (args) => {
  const indices = input(args, 'indices');
  const {depth, onValue, offValue, dtype} = args.attrs as {
    depth: number;
    onValue: number;
    offValue: number;
    dtype: tf.DataType;
  };
  const b = args.backend;
  return b.output(
    b.addon.OneHot(b.handle(indices), depth, onValue, offValue, dtypeCode(dtype)),
    [...indices.shape, depth],
    dtype,
  );
});

export const fill = torchKernel('Fill', (args) => {
  const {shape, value, dtype} = args.attrs as {shape: number[]; value: number; dtype?: tf.DataType};
  const dt = dtype ?? tf.util.inferDtype(value);
  return args.backend.output(args.backend.addon.Fill(shape, Number(value), dtypeCode(dt)), shape, dt);
});

function filledLike(name: string, value: number) {
  return torchKernel(name, (args) => {
    const x = input(args, 'x');
    return args.backend.output(args.backend.addon.Fill(x.shape, value, dtypeCode(x.dtype)), x.shape, x.dtype);
  });
}

export const zerosLike = filledLike('ZerosLike', 0);
export const onesLike = filledLike('OnesLike', 1);

export const range = torchKernel('Range', (args) => {
  const {start, stop, step, dtype} = args.attrs as {
    start: number;
    stop: number;
    step: number;
    dtype: 'float32' | 'int32';
  };
  const empty = start === stop || (start < stop && step < 0) || (stop < start && step > 1);
  const n = empty ? 0 : Math.abs(Math.ceil((stop - start) / step));
  const stride = stop < start && step === 1 ? -1 : step; // as tfjs' rangeImpl counts down
  return args.backend.output(args.backend.addon.Range(start, stop, stride, dtypeCode(dtype), n), [n], dtype);
});
