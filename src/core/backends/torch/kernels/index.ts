// The one explicit list of torch kernels. Anything not here fails loudly in tfjs, naming the kernel.
import * as tf from '@tensorflow/tfjs';
import {TorchAddon} from '../addon';
import {conv2D, conv2DBackpropFilter, conv2DBackpropInput, fusedConv2D, avgPool, avgPoolGrad, maxPool, maxPoolGrad} from './conv';
import {addN, binaryKernels, cast, clipByValue, leakyRelu, select, step, unaryKernels} from './elementwise';
import {resizeBilinear, resizeBilinearGrad, resizeNearestNeighbor, resizeNearestNeighborGrad} from './image';
import {batchMatMul, fusedBatchNorm, fusedMatMul} from './linalg';
import {argMax, argMin, reduceKernels, softmax} from './reduce';
import {
  concat, expandDims, fill, gatherV2, identity, oneHot, onesLike, pack, padV2, range, reshape, reverse, slice, splitV, squeeze,
  stridedSlice, tile, transpose, unpack, unsortedSegmentSum, zerosLike,
} from './shape';

/** Every torch kernel: the addon's op tables (unary, binary, reductions) plus the kernels listed here. */
export function torchKernels(addon: TorchAddon): tf.KernelConfig[] {
  return [
    ...unaryKernels(addon), ...binaryKernels(addon), ...reduceKernels(addon),
    leakyRelu, step, clipByValue, select, cast, addN,
    argMax, argMin, softmax,
    reshape, identity, expandDims, squeeze, transpose, slice, stridedSlice, concat, pack, unpack, splitV, padV2, tile, reverse,
    gatherV2, unsortedSegmentSum, oneHot, fill, zerosLike, onesLike, range,
    batchMatMul, fusedMatMul, fusedBatchNorm,
    conv2D, fusedConv2D, conv2DBackpropInput, conv2DBackpropFilter, avgPool, avgPoolGrad, maxPool, maxPoolGrad,
    resizeBilinear, resizeBilinearGrad, resizeNearestNeighbor, resizeNearestNeighborGrad,
  ];
}
