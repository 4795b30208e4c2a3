// GALIP's discriminator on a frozen CLIP ViT: patch-token maps after several CLIP layers (NetD's input), gated D
// blocks that fold them in, and NetC, the joint head with the sentence.
import * as tf from '@tensorflow/tfjs';
import {conv, type Conv, type ParamSet} from '../../../nn/params';
import type {VisionTransformer} from '../../encoders/descriptor';
import {DBlock} from './blocks';

/**
 * What CLIP says about images in one pass: the patch-token maps after each of `layers` (0-based), side by side on
 * the channel axis `[B, g, g, k·W]`, and, with `code`, the image code after the last layer.
 */
export function clipFeatures(
  vit: VisionTransformer,
  layers: number[],
  images: tf.Tensor4D,
  code: boolean,
): {features: tf.Tensor4D; code?: tf.Tensor2D} {
  let x = vit.tokens(vit.patchMap(images));
  const maps: tf.Tensor4D[] = [];
  const last = code ? vit.layers - 1 : Math.max(...layers);
  for (let i = 0; i <= last; i++) {
    x = vit.layer(i, x);
    if (layers.includes(i)) maps.push(vit.tokenMap(x));
  }
  return {features: tf.concat(maps, 3) as tf.Tensor4D, ...(code ? {code: vit.code(x)} : {})};
}

/**
 * NetD + NetC. The first map enters as the feature, each later one through a D block's β gate (CLIP width kept),
 * a last D block goes to 8ndf, and NetC concatenates the tiled sentence and convolves to one logit: conv k×k
 * (k = grid − 3, which is GALIP's 4 on ViT-B/32's 7×7 grid) to 4×4, LReLU, conv 4×4 to 1×1, both without bias.
 */
export class ClipDiscriminator {
  private readonly blocks: DBlock[] = [];
  private readonly main: DBlock;
  private readonly joint1: Conv;
  private readonly joint2: Conv;

  constructor(
    params: ParamSet,
    vit: VisionTransformer,
    private readonly maps: number,
    ndf: number,
    embedDim: number,
  ) {
    for (let i = 1; i < maps; i++) this.blocks.push(new DBlock(params, `d${i - 1}`, vit.width, vit.width, true));
    this.main = new DBlock(params, 'main', vit.width, 8 * ndf, false);
    this.joint1 = params.conv('joint/c1', vit.grid - 3, 8 * ndf + embedDim, 2 * ndf, false);
    this.joint2 = params.conv('joint/c2', 4, 2 * ndf, 1, false);
  }

  /** features `[n, g, g, k·W]` (from clipFeatures), sentence `[n, D]` → `[n]` logits. */
  apply(features: tf.Tensor4D, sentence: tf.Tensor2D): tf.Tensor1D {
    const maps = tf.split(features, this.maps, 3) as tf.Tensor4D[];
    let h = maps[0]!;
    this.blocks.forEach((b, i) => {
      h = b.apply(h, maps[i + 1]);
    });
    h = this.main.apply(h);
    const [n, g] = h.shape;
    const tiled = tf.tile(tf.reshape(sentence, [n, 1, 1, -1]), [1, g, g, 1]);
    const j = tf.leakyRelu(conv(tf.concat([h, tiled], 3) as tf.Tensor4D, this.joint1, 1, 'valid'), 0.2) as tf.Tensor4D;
    return tf.reshape(conv(j, this.joint2, 1, 'valid'), [n]) as tf.Tensor1D;
  }
}
