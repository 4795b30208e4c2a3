// Writes a tiny CLIP-style dual encoder in the folder format the `tfjs` encoders entry loads (for tests).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {saveLayersModel} from '../src/core/model-files';

export interface TinyDualEncoderOptions {
  /** The text tower's words (index = token id; 0 and 1 are padding and unknown). */
  vocab: string[];
  embedDim?: number;
  /** Side of the image tower's input. */
  side?: number;
  /** Fixed length of the text tower's word axis. */
  words?: number;
  bridgeAfter?: string;
}

/**
 * Text: embedding → word codes; their mean → dense → sentence code. Image: conv3×3/2 ('stem') →
 * conv3×3/2 ('trunk') → conv1×1 ('regions') = region map; its mean → dense ('global'). Weights are seeded.
 */
export async function saveTinyDualEncoder(dir: string, opts: TinyDualEncoderOptions): Promise<void> {
  const d = opts.embedDim ?? 8;
  const side = opts.side ?? 16;
  const init = (seed: number) => tf.initializers.glorotUniform({seed});
  const tokens = tf.input({shape: [opts.words ?? 12], dtype: 'int32', name: 'tokens'});
  const words = tf.layers
    .embedding({
      inputDim: opts.vocab.length,
      outputDim: d,
      embeddingsInitializer: tf.initializers.randomUniform({minval: -1, maxval: 1, seed: 1}),
      name: 'words',
    })
    .apply(tokens) as tf.SymbolicTensor;
  const mean = tf.layers.globalAveragePooling1d({name: 'mean_words'}).apply(words) as tf.SymbolicTensor;
  const sentence = tf.layers
    .dense({units: d, kernelInitializer: init(2), name: 'sentence'})
    .apply(mean) as tf.SymbolicTensor;
  const text = tf.model({inputs: tokens, outputs: [words, sentence]});

  const pixels = tf.input({shape: [side, side, 3], name: 'pixels'});
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, strides: number, name: string, seed: number) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: k,
        strides,
        padding: 'same',
        activation: name === 'regions' ? 'linear' : 'relu',
        kernelInitializer: init(seed),
        name,
      })
      .apply(x) as tf.SymbolicTensor;
  const regions = conv(conv(conv(pixels, 6, 3, 2, 'stem', 3), 10, 3, 2, 'trunk', 4), d, 1, 1, 'regions', 5);
  const pooled = tf.layers.globalAveragePooling2d({name: 'mean_regions'}).apply(regions) as tf.SymbolicTensor;
  const global = tf.layers
    .dense({units: d, kernelInitializer: init(6), name: 'global'})
    .apply(pooled) as tf.SymbolicTensor;
  const image = tf.model({inputs: pixels, outputs: [regions, global]});

  await saveLayersModel(text, path.join(dir, 'text'));
  await saveLayersModel(image, path.join(dir, 'image'));
  text.dispose();
  image.dispose();
  const manifest = {
    format: 'scg-dual-encoder',
    version: 1,
    vocab: opts.vocab,
    unknownToken: 1,
    ...(opts.bridgeAfter ? {bridgeAfter: opts.bridgeAfter} : {}),
  };
  fs.writeFileSync(path.join(dir, 'encoder.json'), JSON.stringify(manifest, null, 1));
}
