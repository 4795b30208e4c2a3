// Reduction torch kernels: Sum/Mean/Max/Min/Prod/All/Any over axes (keepDims), ArgMax/ArgMin, Softmax.
import * as tf from '@tensorflow/tfjs';
import type {TorchAddon} from '../addon';
import {axesOf, input, torchKernel} from './define';

/** The attr that names a reduction's axes: Max and Min call it reductionIndices, the others axis. */
function axisAttr(attrs: tf.NamedAttrMap): unknown {
  return attrs['axis'] ?? attrs['reductionIndices'];
}

function reduceDtype(op: string, x: tf.TensorInfo): tf.DataType {
  if (op === 'All' || op === 'Any') return 'bool';
  if (op === 'Mean') return 'float32';
  if (op === 'Sum' || op === 'Prod') return x.dtype === 'bool' ? 'int32' : x.dtype;
  return x.dtype;
}

/** One kernel per entry of the addon's reduction table. */
export function reduceKernels(addon: TorchAddon): tf.KernelConfig[] {
  return addon.reduceOps.map((op, code) =>
    torchKernel(op, (args) => {
      const x = input(args, 'x');
      const keepDims = Boolean(args.attrs['keepDims']);
      const axes = axesOf(axisAttr(args.attrs), x.shape);
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      const b = args.backend;
      const dtype = reduceDtype(op, x);
      if (axes.length === 0) {
        const same = b.addon.Reshape(b.handle(x), shape);
        return b.output(dtype === x.dtype ? same : castAndFree(addon, same, dtype), shape, dtype);
      }
      return b.output(addon.Reduce(code, b.handle(x), axes, keepDims), shape, dtype);
    }),
  );
}

function castAndFree(addon: TorchAddon, h: object, dtype: tf.DataType): object {
  const out = addon.Cast(h, dtype === 'float32' ? 0 : dtype === 'int32' ? 1 : 2);
  addon.Free(h);
  return out;
}

function argKernel(name: 'ArgMax' | 'ArgMin') {
  return torchKernel(name, (args) => {
    const x = input(args, 'x');
    const [axis] = axesOf(args.attrs['axis'], x.shape);
    const shape = x.shape.filter((_, i) => i !== axis);
    return args.backend.output(
      args.backend.addon.ArgMinMax(args.backend.handle(x), axis!, name === 'ArgMax'),
      shape,
      'int32',
    );
  });
}

export const argMax = argKernel('ArgMax');
export const argMin = argKernel('ArgMin');

export const softmax = torchKernel('Softmax', (args) => {
  const x = input(args, 'logits');
  const dim = args.attrs['dim'] as number;
  return args.backend.output(args.backend.addon.Softmax(args.backend.handle(x), dim), x.shape, 'float32');
});
