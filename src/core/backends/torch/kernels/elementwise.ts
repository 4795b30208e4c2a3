// Elementwise torch kernels: unary and binary tables (names shared with the addon), activations, select, cast.
import * as tf from '@tensorflow/tfjs';
import {dtypeCode} from '../backend';
import type {TorchAddon} from '../addon';
import {type TorchKernelArgs, input, inputList, torchKernel} from './define';

const BOOL_OUT = new Set([
  'IsNan',
  'IsInf',
  'IsFinite',
  'LogicalNot',
  'Equal',
  'NotEqual',
  'Less',
  'LessEqual',
  'Greater',
  'GreaterEqual',
  'LogicalAnd',
  'LogicalOr',
]);
/** Unary ops that keep an int32 input's dtype (the rest compute in float32, as tfjs' cpu kernels do). */
const KEEP_DTYPE = new Set(['Abs', 'Ceil', 'Floor', 'Neg', 'Relu', 'Relu6', 'Round', 'Sign', 'Square']);
const FLOAT_OUT = new Set(['RealDiv', 'Atan2']);

function unaryDtype(op: string, x: tf.TensorInfo): tf.DataType {
  if (BOOL_OUT.has(op)) return 'bool';
  return KEEP_DTYPE.has(op) ? x.dtype : 'float32';
}

function binaryDtype(op: string, a: tf.TensorInfo): tf.DataType {
  if (BOOL_OUT.has(op)) return 'bool';
  if (op === 'FloorDiv') return 'int32';
  return FLOAT_OUT.has(op) ? 'float32' : a.dtype;
}

/** One kernel per entry of the addon's unary table. */
export function unaryKernels(addon: TorchAddon): tf.KernelConfig[] {
  return addon.unaryOps.map((op, code) =>
    torchKernel(op, (args) => {
      const x = input(args, 'x');
      return args.backend.output(addon.Unary(code, args.backend.handle(x)), x.shape, unaryDtype(op, x));
    }),
  );
}

/** One kernel per entry of the addon's binary table (inputs `a`, `b`; Prelu's are `x`, `alpha`). */
export function binaryKernels(addon: TorchAddon): tf.KernelConfig[] {
  return addon.binaryOps.map((op, code) =>
    torchKernel(op, (args) => {
      const a = input(args, op === 'Prelu' ? 'x' : 'a');
      const b = input(args, op === 'Prelu' ? 'alpha' : 'b');
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return args.backend.output(
        addon.Binary(code, args.backend.handle(a), args.backend.handle(b)),
        shape,
        binaryDtype(op, a),
      );
    }),
  );
}

function sameShape(args: TorchKernelArgs, f: (h: object) => object): tf.TensorInfo {
  const x = input(args, 'x');
  return args.backend.output(f(args.backend.handle(x)), x.shape, x.dtype);
}

export const leakyRelu = torchKernel('LeakyRelu', (args) =>
  sameShape(args, (h) => args.backend.addon.LeakyRelu(h, args.attrs['alpha'] as number)),
);
export const step = torchKernel('Step', (args) =>
  sameShape(args, (h) => args.backend.addon.Step(h, args.attrs['alpha'] as number)),
);
export const clipByValue = torchKernel('ClipByValue', (args) =>
  sameShape(args, (h) =>
    args.backend.addon.Clip(h, args.attrs['clipValueMin'] as number, args.attrs['clipValueMax'] as number),
  ),
);

export const select = torchKernel('Select', (args) => {
  const c = input(args, 'condition');
  const t = input(args, 't');
  const e = input(args, 'e');
  const b = args.backend;
  return b.output(b.addon.Select(b.handle(c), b.handle(t), b.handle(e)), t.shape, tf.upcastType(t.dtype, e.dtype));
});

export const cast = torchKernel('Cast', (args) => {
  const x = input(args, 'x');
  const dtype = args.attrs['dtype'] as tf.DataType;
  const b = args.backend;
  if (dtype === x.dtype) return b.output(b.addon.Reshape(b.handle(x), x.shape), x.shape, dtype);
  return b.output(b.addon.Cast(b.handle(x), dtypeCode(dtype)), x.shape, dtype);
});

export const addN = torchKernel('AddN', (args) => {
  const xs = inputList(args);
  const b = args.backend;
  return b.output(b.addon.AddN(xs.map((x) => b.handle(x))), xs[0]!.shape, xs[0]!.dtype);
});
