// The one explicit list of kernels and gradients scg adds to tfjs. Nothing registers on import.
import * as tf from '@tensorflow/tfjs';
import {conv2DBackpropFilterWasm} from './conv2d-backprop-filter';
import {unsortedSegmentSumWasm} from './unsorted-segment-sum';

/** Kernels the wasm backend lacks and training needs. They register for `wasm` only, never for tfjs-node. */
export const wasmKernelPatches: readonly tf.KernelConfig[] = [conv2DBackpropFilterWasm, unsortedSegmentSumWasm];

/** Registers every wasm patch (once per process); returns the names of the patched kernels. */
export function registerWasmPatches(): string[] {
  for (const config of wasmKernelPatches) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing && existing.kernelFunc !== config.kernelFunc) {
      // A newer tfjs that ships the kernel itself: keep ours out of its way and say so in the list.
      continue;
    }
    if (!existing) tf.registerKernel(config);
  }
  return wasmKernelPatches.filter((c) => tf.getKernel(c.kernelName, c.backendName)?.kernelFunc === c.kernelFunc).map((c) => c.kernelName);
}
