// The one explicit list of kernels scg adds to or wraps in tfjs. Nothing registers on import.
import * as tf from '@tensorflow/tfjs';
import {avgPoolGradGradient} from './avg-pool-grad-gradient';
import {wrapBatchMatMul} from './batch-matmul';
import {COMPARISON_KERNELS, zeroComparisonGradient} from './comparison-gradients';
import {conv2DBackpropFilterWasm} from './conv2d-backprop-filter';
import {wrapConv2DBackpropInput} from './conv2d-backprop-input';
import {meanGradient, sumGradient} from './reduce-gradients';
import {resizeNearestNeighborGradCpu} from './resize-nearest-grad-cpu';
import {unsortedSegmentSumWasm} from './unsorted-segment-sum';

/** Kernels the wasm backend lacks and training needs. They register for `wasm` only, never for tfjs-node. */
export const wasmKernelPatches: readonly tf.KernelConfig[] = [conv2DBackpropFilterWasm, unsortedSegmentSumWasm];

/** Existing wasm kernels replaced by a faster wrapper around the original. */
export const wasmKernelWrappers: readonly {kernelName: string; wrap: (original: tf.KernelFunc) => tf.KernelFunc}[] = [
  {kernelName: 'BatchMatMul', wrap: wrapBatchMatMul},
  {kernelName: 'Conv2DBackpropInput', wrap: wrapConv2DBackpropInput},
];

/** cpu kernels that tfjs-backend-cpu 4.22 gets wrong, replaced by correct ones. */
export const cpuKernelFixes: readonly tf.KernelConfig[] = [resizeNearestNeighborGradCpu];

let cpuFixed = false;

/** Replaces the wrong cpu kernels (once per process); returns their names. */
export function registerCpuPatches(): string[] {
  if (!cpuFixed) {
    for (const k of cpuKernelFixes) {
      if (tf.getKernel(k.kernelName, 'cpu')) tf.unregisterKernel(k.kernelName, 'cpu');
      tf.registerKernel(k);
    }
    cpuFixed = true;
  }
  return cpuKernelFixes.map((k) => k.kernelName);
}

/** Gradients tfjs lacks and second-order training (MA-GP) needs; backend-independent. */
export const gradientPatches: readonly tf.GradConfig[] = [
  ...COMPARISON_KERNELS.map(zeroComparisonGradient),
  avgPoolGradGradient,
];

/** tfjs gradients replaced by ones with the same values that run faster (see each file); backend-independent. */
export const gradientReplacements: readonly tf.GradConfig[] = [sumGradient, meanGradient];

const patchedGradients = new Set<string>();

/**
 * Registers the gradient patches tfjs does not already have and the replacements (once per process); returns the
 * kernels whose gradient is scg's.
 */
export function registerGradientPatches(): string[] {
  for (const g of gradientPatches) {
    if (tf.getGradient(g.kernelName)) continue; // tfjs' own (GreaterEqual has one) or ours from an earlier call
    tf.registerGradient(g);
    patchedGradients.add(g.kernelName);
  }
  for (const g of gradientReplacements) {
    if (tf.getGradient(g.kernelName) === g) continue;
    tf.registerGradient(g);
    patchedGradients.add(g.kernelName);
  }
  return [...patchedGradients];
}

const wrapped = new Set<string>();

/** Registers every wasm patch and wrapper (once per process); returns the names of the kernels scg provides. */
export function registerWasmPatches(): string[] {
  for (const config of wasmKernelPatches) {
    // A newer tfjs that ships the kernel keeps its own; the list returned below says which are ours.
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  }
  for (const {kernelName, wrap} of wasmKernelWrappers) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original || wrapped.has(kernelName)) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({...original, kernelFunc: wrap(original.kernelFunc)});
    wrapped.add(kernelName);
  }
  const ours = wasmKernelPatches
    .filter((c) => tf.getKernel(c.kernelName, 'wasm')?.kernelFunc === c.kernelFunc)
    .map((c) => c.kernelName);
  return [...ours, ...[...wrapped].map((k) => `${k} (wrapped)`)];
}
