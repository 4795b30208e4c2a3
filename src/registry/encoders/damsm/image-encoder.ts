// DAMSM image encoder: a CNN giving region features (for word attention) and a global code (for sentences).
import * as tf from '@tensorflow/tfjs';
import {conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';

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

  constructor(
    params: ParamSet,
    readonly opts: ImageEncoderOptions,
  ) {
    const w = opts.width;
    this.stem = params.conv('stem', 3, 3, w);
    this.down = [
      params.conv('down1', 4, w, 2 * w),
      params.conv('down2', 4, 2 * w, 4 * w),
      params.conv('down3', 4, 4 * w, 8 * w),
    ];
    this.regionProj = params.conv('region_proj', 1, 4 * w, opts.embedDim);
    this.globalProj = params.dense('global_proj', 8 * w, opts.embedDim);
  }

  /** stem and first downsampling: `[n, res/2, res/2, 2·width]`. */
  lower(images: tf.Tensor4D): tf.Tensor4D {
    return act(conv(act(conv(images, this.stem)), this.down[0]!, 2));
  }

  /** Second downsampling: `[n, res/4, res/4, 4·width]`, the layer the region codes are projected from. */
  middle(h: tf.Tensor4D): tf.Tensor4D {
    return act(conv(h, this.down[1]!, 2));
  }

  /** Region codes as a map `[n, res/4, res/4, embedDim]` from `middle`'s output. */
  regionMap(m: tf.Tensor4D): tf.Tensor4D {
    return conv(m, this.regionProj);
  }

  /** `images`: `[batch, res, res, 3]` in [-1, 1]. */
  encode(images: tf.Tensor4D): ImageCodes {
    const m = this.middle(this.lower(images));
    const regionMap = this.regionMap(m);
    const [b, h, w, d] = regionMap.shape;
    const x = act(conv(m, this.down[2]!, 2));
    return {
      regions: tf.reshape(regionMap, [b, h * w, d]),
      global: dense(tf.mean(x, [1, 2]), this.globalProj) as tf.Tensor2D,
    };
  }
}

const act = (x: tf.Tensor4D) => tf.leakyRelu(x, 0.2) as tf.Tensor4D;
