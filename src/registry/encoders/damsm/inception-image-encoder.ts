// DAMSM image encoder on a frozen ImageNet Inception-v3, as AttnGAN's CNN_ENCODER: the trunk from a converted Keras
// InceptionV3 folder, and the two projections pretraining trains (Mixed_6e regions → words, pooled code → sentences).
import * as tf from '@tensorflow/tfjs';
import {layerOutput, loadLayersFolder} from '../../../core/layers-folder';
import {ScgError} from '../../../errors';
import {conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import type {ImageCodes} from './image-encoder';

/** Where the trunk's files are and which of its layers give the region map and the pooled code. */
export interface InceptionTrunkOptions {
  path: string;
  /** Keras InceptionV3 calls Mixed_6e (17×17×768 at 299 px) `mixed7`. */
  regionLayer: string;
  /** Keras InceptionV3's global average pool after Mixed_7c (2048-d): `avg_pool`. */
  poolLayer: string;
}

/** The frozen trunk: images at its input size → [region map, pooled code]. */
export interface InceptionTrunk {
  model: tf.LayersModel;
  inputSize: [number, number];
  regionChannels: number;
  poolChannels: number;
  sha256: string;
  dispose(): void;
}

/** Loads the trunk (every weight frozen), reading the layer names from `encoders.inception*` keys. */
export async function loadInceptionTrunk(opts: InceptionTrunkOptions): Promise<InceptionTrunk> {
  const {model, sha256} = await loadLayersFolder(opts.path, 'encoders.inceptionPath');
  try {
    const regions = layerOutput(model, opts.regionLayer, 'encoders.inceptionRegionLayer');
    const pooled = layerOutput(model, opts.poolLayer, 'encoders.inceptionPoolLayer');
    const trunk = tf.model({inputs: model.inputs, outputs: [regions, pooled]});
    trunk.trainable = false;
    const made = frozenInferenceCalls(model);
    const [, h, w] = model.inputs[0]!.shape as number[];
    return {
      model: trunk,
      inputSize: [h!, w!],
      regionChannels: regions.shape[regions.shape.length - 1]!,
      poolChannels: pooled.shape[pooled.shape.length - 1]!,
      sha256,
      // The two-output model shares the loaded model's layers: disposing the loaded model frees them.
      dispose: () => {
        model.dispose();
        tf.dispose(made);
      },
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * Gives the frozen trunk's layers calls that differentiate well, for the inference mode it always runs in:
 * - tfjs cannot take a gradient through a batch norm that has no scale (FusedBatchNorm's gradient saves its
 *   `scale` input, which is then missing), and Keras InceptionV3's batch norms all have none. Each such layer
 *   passes a scale of ones (and an offset of zeros where it has none): the same function, with a gradient.
 * - A Conv2D layer runs tfjs' fused convolution, whose gradient also computes the kernel's, which a frozen trunk
 *   never needs (a quarter of the trunk's backward pass). Plain linear convolutions call `tf.conv2d` instead.
 * Returns the tensors it made (freed with the trunk).
 */
function frozenInferenceCalls(model: tf.LayersModel): tf.Tensor[] {
  const made: tf.Tensor[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Conv2D') plainConv(layer);
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const cfg = layer.getConfig() as {scale?: boolean; center?: boolean; epsilon?: number; axis?: number};
    if (cfg.scale !== false && cfg.center !== false) continue;
    const rank = (layer.inputSpec?.[0]?.ndim ?? 4) as number;
    if (cfg.axis !== -1 && cfg.axis !== rank - 1) {
      tf.dispose(made);
      throw new ScgError(
        'BAD_INPUT',
        `encoders.inceptionPath: batch norm '${layer.name}' normalises axis ${cfg.axis}`,
        {
          hint: 'scg takes channels-last models (Keras InceptionV3 converted with its default data format)',
        },
      );
    }
    const weight = (suffix: string) => layer.weights.find((w) => w.originalName.endsWith(suffix));
    const mean = weight('moving_mean')!;
    const variance = weight('moving_variance')!;
    const beta = weight('beta');
    const ones = tf.ones([mean.shape[0]!]);
    const zeros = tf.zeros([mean.shape[0]!]);
    made.push(ones, zeros);
    layer.call = (inputs) =>
      tf.batchNorm(
        (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor,
        mean.read(),
        variance.read(),
        beta ? beta.read() : zeros,
        ones,
        cfg.epsilon,
      );
  }
  return made;
}

/** A linear, undilated, channels-last Conv2D layer computes `tf.conv2d` (+ bias); other convolutions keep their call. */
function plainConv(layer: tf.layers.Layer): void {
  const cfg = layer.getConfig() as {
    activation?: string;
    strides?: number[];
    padding?: 'same' | 'valid';
    dilationRate?: number[];
    dataFormat?: string;
    useBias?: boolean;
  };
  const plain =
    (cfg.activation ?? 'linear') === 'linear' &&
    (cfg.dilationRate ?? [1, 1]).every((d) => d === 1) &&
    cfg.dataFormat !== 'channelsFirst';
  if (!plain) return;
  const kernel = layer.weights.find((w) => w.originalName.endsWith('kernel'))!;
  const bias = cfg.useBias ? layer.weights.find((w) => w.originalName.endsWith('bias')) : undefined;
  const strides = (cfg.strides ?? [1, 1]) as [number, number];
  layer.call = (inputs) => {
    const y = tf.conv2d(
      (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D,
      kernel.read() as tf.Tensor4D,
      strides,
      cfg.padding ?? 'valid',
    );
    return bias ? tf.add(y, bias.read()) : y;
  };
}

/**
 * The DAMSM image encoder AttnGAN pretrains: images (any size, [-1, 1]) are resized bilinearly (half-pixel
 * centres, as PyTorch's align_corners=False) to the trunk's input, run through it in inference mode, and the
 * region map and pooled code are projected to the embedding size. Only the projections are variables; gradients
 * still flow through the trunk to the images (the GAN phase's DAMSM loss reaches the generator that way).
 */
export class InceptionImageEncoder {
  private readonly regionProj: Conv;
  private readonly globalProj: Dense;

  constructor(
    params: ParamSet,
    private readonly trunk: InceptionTrunk,
    embedDim: number,
  ) {
    // AttnGAN: conv1x1 without bias and a Linear, both weights uniform ±0.1; the Linear's bias keeps PyTorch's default.
    this.regionProj = {w: params.uniform('region_proj/w', [1, 1, trunk.regionChannels, embedDim], 0.1), b: undefined};
    this.globalProj = {
      w: params.uniform('global_proj/w', [trunk.poolChannels, embedDim], 0.1),
      b: params.uniform('global_proj/b', [embedDim], 1 / Math.sqrt(trunk.poolChannels)),
    };
  }

  encode(images: tf.Tensor4D): ImageCodes {
    const [h, w] = this.trunk.inputSize;
    const sized =
      images.shape[1] === h && images.shape[2] === w ? images : tf.image.resizeBilinear(images, [h, w], false, true);
    const [map, pooled] = this.trunk.model.apply(sized, {training: false}) as [tf.Tensor4D, tf.Tensor];
    const regionMap = conv(map, this.regionProj);
    const [b, rh, rw, d] = regionMap.shape;
    return {
      regions: tf.reshape(regionMap, [b, rh * rw, d]),
      global: dense(tf.reshape(pooled, [b, -1]), this.globalProj) as tf.Tensor2D,
    };
  }
}
