// Draws images from a trained generator for given captions: frozen text encoder, fixed noise, eval-mode BN,
// the moving-average weights when the backbone keeps them.
import * as tf from '@tensorflow/tfjs';
import {tokenTensors} from '../data/batch';
import {Ema} from '../nn/ema';
import {GanModel} from '../registry/backbones/descriptor';
import {EncoderPair} from '../registry/encoders/descriptor';
import {Rng} from './rng';

export interface DrawnImages {
  /** RGB bytes per image at the final resolution. */
  images: Uint8Array[];
  resolution: number;
}

/** One image per caption (token ids), noise from `rng`. */
export function drawImages(model: GanModel, enc: EncoderPair, ema: Ema | undefined, captions: number[][], maxWords: number, rng: Rng): DrawnImages {
  const n = captions.length;
  const noise = rng.normals(n * model.zDim);
  const caNoise = rng.normals(n * model.condDim);
  const run = () => tf.tidy(() => {
    const {tokens, mask} = tokenTensors(captions, maxWords);
    const text = enc.encodeText(tokens, mask);
    const out = model.generate({
      noise: tf.tensor2d(noise, [n, model.zDim]), caNoise: tf.tensor2d(caNoise, [n, model.condDim]),
      sentence: text.sentence, words: text.words, wordMask: mask,
    }, {training: false});
    const last = out.images[out.images.length - 1]!;
    return tf.cast(tf.clipByValue(tf.round(tf.mul(tf.add(last, 1), 127.5)), 0, 255), 'int32');
  });
  const pixels = ema ? ema.withAveraged(run) : run();
  const res = pixels.shape[1]!;
  const values = pixels.dataSync();
  pixels.dispose();
  const px = res * res * 3;
  return {images: Array.from({length: n}, (_, i) => Uint8Array.from(values.subarray(i * px, (i + 1) * px))), resolution: res};
}
