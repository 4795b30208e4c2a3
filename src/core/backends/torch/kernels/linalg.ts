// Matrix-product and normalisation torch kernels: BatchMatMul, _FusedMatMul, FusedBatchNorm.
import type * as tf from '@tensorflow/tfjs';
import type {TorchBackend} from '../backend';
import {input, torchKernel} from './define';

const ACTIVATIONS: Record<string, number> = {linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6};

/** The addon's code for a fused activation; unknown names fail loudly. */
export function activationCode(name: unknown): number {
  const code = ACTIVATIONS[(name as string | undefined) ?? 'linear'];
  if (code === undefined) throw new Error(`torch backend: fused activation '${String(name)}' is not supported`);
  return code;
}

/** A handle for an optional input, or null. */
export function optional(b: TorchBackend, t: tf.TensorInfo | undefined): object | null {
  return t ? b.handle(t) : null;
}

export const batchMatMul = torchKernel('BatchMatMul', (args) => {
  const a = input(args, 'a');
  const bt = input(args, 'b');
  const b = args.backend;
  return b.outputOf(
    b.addon.BatchMatMul(
      b.handle(a),
      b.handle(bt),
      Boolean(args.attrs['transposeA']),
      Boolean(args.attrs['transposeB']),
    ),
    a.dtype,
  );
});

export const fusedMatMul = torchKernel('_FusedMatMul', (args) => {
  const b = args.backend;
  const {transposeA, transposeB, activation, leakyreluAlpha} = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation: string;
    leakyreluAlpha?: number;
  };
  const h = b.addon.FusedMatMul(
    b.handle(input(args, 'a')),
    b.handle(input(args, 'b')),
    optional(b, args.inputs['bias']),
    Boolean(transposeA),
    Boolean(transposeB),
    activationCode(activation),
    optional(b, args.inputs['preluActivationWeights']),
    leakyreluAlpha ?? 0.2,
  );
  return b.outputOf(h, 'float32');
});

export const fusedBatchNorm = torchKernel('FusedBatchNorm', (args) => {
  const x = input(args, 'x');
  const b = args.backend;
  const h = b.addon.BatchNorm(
    b.handle(x),
    b.handle(input(args, 'mean')),
    b.handle(input(args, 'variance')),
    optional(b, args.inputs['offset']),
    optional(b, args.inputs['scale']),
    (args.attrs['varianceEpsilon'] as number | undefined) ?? 0.001,
  );
  return b.output(h, x.shape, 'float32');
});
