// How a torch kernel is declared: a tfjs KernelConfig for backend `torch` whose function gets the TorchBackend.
import * as tf from '@tensorflow/tfjs';
import {TORCH_BACKEND, type TorchBackend} from '../backend';

export interface TorchKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: TorchBackend;
  attrs: tf.NamedAttrMap;
}

export type TorchKernelFunc = (args: TorchKernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** A kernel config for the torch backend. */
export function torchKernel(kernelName: string, kernelFunc: TorchKernelFunc): tf.KernelConfig {
  return {kernelName, backendName: TORCH_BACKEND, kernelFunc: kernelFunc as unknown as tf.KernelFunc};
}

/** An input that must be present. */
export function input(args: TorchKernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (!t) throw new Error(`torch backend: kernel input '${name}' is missing`);
  return t;
}

/** The kernel's inputs as a list (Concat, Pack, AddN pass an array). */
export function inputList(args: TorchKernelArgs): tf.TensorInfo[] {
  return Array.isArray(args.inputs)
    ? (args.inputs as tf.TensorInfo[])
    : (Object.values(args.inputs) as tf.TensorInfo[]);
}

/** Normalised axes of a reduction-like attr. */
export function axesOf(axis: unknown, shape: number[]): number[] {
  return tf.util.parseAxisParam(axis as number | number[], shape);
}

/** [strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW] from a tfjs conv info. */
export function convArgs(info: tf.backend_util.Conv2DInfo): number[] {
  const p = info.padInfo;
  return [
    info.strideHeight,
    info.strideWidth,
    p.top,
    p.bottom,
    p.left,
    p.right,
    info.dilationHeight,
    info.dilationWidth,
  ];
}
