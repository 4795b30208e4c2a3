// The FID Inception's forward pass in tfjs (NHWC): pytorch-fid's input handling, the stem, the Mixed blocks
// with the FID patches, the final average pool (FID features) and the fc layer's logits (IS).
import * as tf from '@tensorflow/tfjs';
import {BLOCKS, type BlockSpec, INPUT_SIZE} from './layout';
import type {FidInceptionWeights, FoldedConv} from './weights';

/** BasicConv2d with the batch norm folded in: conv + bias + ReLU. */
export function basicConv(x: tf.Tensor4D, c: FoldedConv): tf.Tensor4D {
  const [ph, pw] = c.spec.pad;
  const pad = ph === 0 && pw === 0 ? 'valid' : 'same'; // padded convs have stride 1 and odd kernels: 'same' is k // 2
  return tf.fused.conv2d({
    x,
    filter: c.filter,
    strides: c.spec.stride,
    pad,
    bias: c.bias,
    activation: 'relu',
  });
}

const maxPool3s2 = (x: tf.Tensor4D) => tf.maxPool(x, 3, 2, 'valid');
/** 3×3 stride-1 average pool whose mean counts only cells inside the image (TF's, and the FID patch's). */
const avgPoolSame = (x: tf.Tensor4D) => tf.avgPool(x, 3, 1, 'same');

/** One Mixed block; `conv(branch, input)` runs the block's conv of that branch name. */
export function mixedBlock(x: tf.Tensor4D, b: BlockSpec, w: FidInceptionWeights): tf.Tensor4D {
  const c = (branch: string, input: tf.Tensor4D) => basicConv(input, w.convs.get(`${b.name}.${branch}`)!);
  const chain = (input: tf.Tensor4D, ...branches: string[]) => branches.reduce((h, br) => c(br, h), input);
  switch (b.kind) {
    case 'A':
      return tf.concat(
        [
          c('branch1x1', x),
          chain(x, 'branch5x5_1', 'branch5x5_2'),
          chain(x, 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'),
          c('branch_pool', avgPoolSame(x)),
        ],
        3,
      );
    case 'B':
      return tf.concat(
        [c('branch3x3', x), chain(x, 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'), maxPool3s2(x)],
        3,
      );
    case 'C':
      return tf.concat(
        [
          c('branch1x1', x),
          chain(x, 'branch7x7_1', 'branch7x7_2', 'branch7x7_3'),
          chain(x, 'branch7x7dbl_1', 'branch7x7dbl_2', 'branch7x7dbl_3', 'branch7x7dbl_4', 'branch7x7dbl_5'),
          c('branch_pool', avgPoolSame(x)),
        ],
        3,
      );
    case 'D':
      return tf.concat(
        [
          chain(x, 'branch3x3_1', 'branch3x3_2'),
          chain(x, 'branch7x7x3_1', 'branch7x7x3_2', 'branch7x7x3_3', 'branch7x7x3_4'),
          maxPool3s2(x),
        ],
        3,
      );
    case 'E_1':
    case 'E_2': {
      const a = c('branch3x3_1', x);
      const d = chain(x, 'branch3x3dbl_1', 'branch3x3dbl_2');
      // E_2's pool branch is a 3×3 max pool (padding 1): the FID graph's quirk, kept.
      const pooled = b.kind === 'E_1' ? avgPoolSame(x) : tf.maxPool(x, 3, 1, 'same');
      return tf.concat(
        [
          c('branch1x1', x),
          c('branch3x3_2a', a),
          c('branch3x3_2b', a),
          c('branch3x3dbl_3a', d),
          c('branch3x3dbl_3b', d),
          c('branch_pool', pooled),
        ],
        3,
      );
    }
  }
}

/** pytorch-fid's input step: [0, 1] images of any size, bilinearly resized to 299 with half-pixel centres, to [−1, 1]. */
export function toNetworkInput(images01: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const resized = tf.image.resizeBilinear(images01, [INPUT_SIZE, INPUT_SIZE], false, true);
    return tf.sub(tf.mul(resized, 2), 1) as tf.Tensor4D;
  });
}

/**
 * Network input `[n, 299, 299, 3]` in [−1, 1] (from `toNetworkInput`) → pool features `[n, 2048]` and logits
 * `[n, 1008]`. The logits are fc.weight · features without fc.bias, the ones the original IS code (and
 * torch-fidelity) take.
 */
export function fidInceptionNetwork(
  x: tf.Tensor4D,
  w: FidInceptionWeights,
): {features: tf.Tensor2D; logits: tf.Tensor2D} {
  return tf.tidy(() => {
    let h = x;
    const stem = (name: string) => (h = basicConv(h, w.convs.get(name)!));
    stem('Conv2d_1a_3x3');
    stem('Conv2d_2a_3x3');
    stem('Conv2d_2b_3x3');
    h = maxPool3s2(h);
    stem('Conv2d_3b_1x1');
    stem('Conv2d_4a_3x3');
    h = maxPool3s2(h);
    for (const b of BLOCKS) h = mixedBlock(h, b, w);
    const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return {features, logits: tf.matMul(features, w.fcWeight)};
  });
}

/** Images `[n, h, w, 3]` in [0, 1], any size: `toNetworkInput`, then `fidInceptionNetwork`. */
export function fidInceptionForward(
  images01: tf.Tensor4D,
  w: FidInceptionWeights,
): {features: tf.Tensor2D; logits: tf.Tensor2D} {
  return tf.tidy(() => fidInceptionNetwork(toNetworkInput(images01), w));
}
