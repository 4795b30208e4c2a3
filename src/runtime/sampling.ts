// Draws images from a trained generator for given captions: frozen text encoder, fixed noise, eval-mode BN,
// the moving-average weights when the backbone keeps them.
import * as tf from '@tensorflow/tfjs';
import {tokenTensors} from '../data/batch';
import type {Ema} from '../nn/ema';
import type {GanModel} from '../registry/backbones/descriptor';
import type {EncoderPair} from '../registry/encoders/descriptor';
import type {Rng} from '../core/rng';

export interface DrawnImages {
  /** RGB bytes per image at the final resolution. */
  images: Uint8Array[];
  /** For backbones with masks: the last mask of each image as grey RGB bytes at the same resolution. */
  masks?: Uint8Array[];
  resolution: number;
}

/** One image per caption (token ids), noise from `rng`. */
export function drawImages(
  model: GanModel,
  enc: EncoderPair,
  ema: Ema | undefined,
  captions: number[][],
  maxWords: number,
  rng: Rng,
): DrawnImages {
  const n = captions.length;
  const noise = rng.normals(n * model.zDim);
  const caNoise = rng.normals(n * model.condDim);
  const run = () =>
    tf.tidy(() => {
      const {tokens, mask} = tokenTensors(captions, maxWords);
      const text = enc.encodeText(tokens, mask);
      const out = model.generate(
        {
          noise: tf.tensor2d(noise, [n, model.zDim]),
          caNoise: tf.tensor2d(caNoise, [n, model.condDim]),
          sentence: text.sentence,
          words: text.words,
          wordMask: mask,
        },
        {training: false},
      );
      const last = out.images[out.images.length - 1]!;
      const pixels = tf.cast(tf.clipByValue(tf.round(tf.mul(tf.add(last, 1), 127.5)), 0, 255), 'int32') as tf.Tensor4D;
      if (!model.masks) return [pixels];
      const [, r] = last.shape;
      const finest = tf.image.resizeNearestNeighbor(out.maps[out.maps.length - 1] as tf.Tensor4D, [r, r]);
      return [pixels, tf.cast(tf.round(tf.mul(tf.tile(finest, [1, 1, 1, 3]), 255)), 'int32') as tf.Tensor4D];
    });
  const [pixels, masks] = ema ? ema.withAveraged(run) : run();
  const res = pixels!.shape[1]!;
  const px = res * res * 3;
  const split = (t: tf.Tensor4D) => {
    const values = t.dataSync();
    t.dispose();
    return Array.from({length: n}, (_, i) => Uint8Array.from(values.subarray(i * px, (i + 1) * px)));
  };
  return {images: split(pixels!), ...(masks ? {masks: split(masks)} : {}), resolution: res};
}
