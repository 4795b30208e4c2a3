// DAMSM image encoder: a CNN giving region features (for word attention) and a global code (for sentences).
import * as tf from '@tensorflow/tfjs';
import {conv, Conv, dense, Dense, ParamSet} from '../../../nn/params';

export interface ImageEncoderOptions {
  /** Channels of the first conv; doubled at each downsampling. */
  width: number;
  embedDim: number;
}

export interface ImageCodes {
  /** `[batch, regions, embedDim]`: the `res/4 × res/4` feature map, flattened. */
  regions: tf.Tensor3D;
  /** `[batch, embedDim]`. */
  global: tf.Tensor2D;
}

/**
 * Stands in for AttnGAN's frozen ImageNet Inception-v3 (mixed_6e regions + pooled global, each projected to
 * the embedding size), which cannot be downloaded here: a CNN trained from scratch with the same two outputs.
 * res → conv3 → /2 → /2 = region map (1×1 projection) → /2 → mean pool → dense = global code.
 */
export class ImageEncoder {
  private readonly stem: Conv;
  private readonly down: Conv[];
  private readonly regionProj: Conv;
  private readonly globalProj: Dense;

  constructor(params: ParamSet, readonly opts: ImageEncoderOptions) {
    const w = opts.width;
    this.stem = params.conv('stem', 3, 3, w);
    this.down = [params.conv('down1', 4, w, 2 * w), params.conv('down2', 4, 2 * w, 4 * w), params.conv('down3', 4, 4 * w, 8 * w)];
    this.regionProj = params.conv('region_proj', 1, 4 * w, opts.embedDim);
    this.globalProj = params.dense('global_proj', 8 * w, opts.embedDim);
  }

  /** `images`: `[batch, res, res, 3]` in [-1, 1]. */
  encode(images: tf.Tensor4D): ImageCodes {
    const act = (x: tf.Tensor4D) => tf.leakyRelu(x, 0.2) as tf.Tensor4D;
    let x = act(conv(images, this.stem));
    x = act(conv(x, this.down[0]!, 2));
    x = act(conv(x, this.down[1]!, 2));
    const regionMap = conv(x, this.regionProj);
    const [b, h, w, d] = regionMap.shape;
    x = act(conv(x, this.down[2]!, 2));
    return {
      regions: tf.reshape(regionMap, [b, h * w, d]),
      global: dense(tf.mean(x, [1, 2]), this.globalProj) as tf.Tensor2D,
    };
  }
}
