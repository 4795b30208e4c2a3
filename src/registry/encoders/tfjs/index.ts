// The `tfjs` encoders entry: a CLIP-style dual encoder loaded frozen from a folder of tfjs layers models.
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../../errors';
import type {Vocabulary} from '../../../text/vocabulary';
import {defineFileEncoders, type EncoderPair, type ImageLayers, type LoadedEncoders} from '../descriptor';
import {type DualEncoderFolder, readDualEncoderFolder, readFolderFiles} from './folder';

/** Dataset token id → the model's token id (padding stays 0; unknown words get the model's unknown token). */
function tokenTable(vocab: Vocabulary, folder: DualEncoderFolder): {table: Int32Array; unknown: string[]} {
  const ids = new Map(folder.manifest.vocab.map((w, i) => [w, i]));
  const table = new Int32Array(vocab.size);
  const unknown: string[] = [];
  vocab.words.forEach((w, i) => {
    if (i === 0) return;
    const id = ids.get(w);
    if (id === undefined && i > 1) unknown.push(w);
    table[i] = id ?? folder.manifest.unknownToken;
  });
  return {table, unknown};
}

/**
 * The image tower split after layer `after`: `lower` runs the input up to that layer; `upper` re-applies the
 * layers from there to the region output. They must form a chain (one input each), as in a ViT or CNN trunk.
 */
function splitImageTower(
  image: tf.LayersModel,
  after: string,
  resize: (x: tf.Tensor4D) => tf.Tensor4D,
): {layers: ImageLayers; models: tf.LayersModel[]} {
  let split: tf.layers.Layer;
  try {
    split = image.getLayer(after);
  } catch {
    throw new ScgError(
      'BAD_INPUT',
      `encoders.path: encoder.json's bridgeAfter names layer '${after}', which the image tower does not have`,
      {
        hint: `its layers: ${image.layers.map((l) => l.name).join(', ')}`,
      },
    );
  }
  const chain: tf.layers.Layer[] = [];
  for (let layer = image.outputs[0]!.sourceLayer; layer !== split; ) {
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    if (inbound.length !== 1) {
      throw new ScgError(
        'BAD_INPUT',
        `encoders.path: the image tower's layers from '${after}' to its region output must form a chain, but '${layer.name}' has ${inbound.length} inputs`,
        {
          hint: 'set bridgeAfter to a layer on the trunk that leads to the region output',
        },
      );
    }
    chain.unshift(layer);
    layer = inbound[0]!;
  }
  const lower = tf.model({inputs: image.inputs, outputs: split.output as tf.SymbolicTensor});
  const input = tf.input({shape: (split.outputShape as number[]).slice(1)});
  const upper = tf.model({inputs: input, outputs: chain.reduce((x, l) => l.apply(x) as tf.SymbolicTensor, input)});
  const [lh, , lc] = (split.outputShape as number[]).slice(1);
  const [uh, , uc] = (upper.outputs[0]!.shape as number[]).slice(1);
  return {
    layers: {
      shapes: () => ({lower: [lh!, lc!], upper: [uh!, uc!]}),
      lower: (x) => lower.apply(resize(x), {training: false}) as tf.Tensor4D,
      upper: (h) => upper.apply(h, {training: false}) as tf.Tensor4D,
    },
    /** `lower` only reuses the tower's graph; `upper` applies its layers anew (and must be disposed too). */
    models: [lower, upper],
  };
}

export async function loadTfjsEncoders(dir: string, vocab: Vocabulary, maxWords: number): Promise<LoadedEncoders> {
  const folder = await readDualEncoderFolder(dir);
  const {text, image} = folder;
  const models = [text, image];
  try {
    const modelWords = text.inputs[0]!.shape[1];
    if (modelWords !== null && modelWords! < maxWords) {
      throw new ScgError(
        'BAD_INPUT',
        `encoders.path: ${dir}/text takes ${modelWords} words, but the dataset's captions have up to ${maxWords}`,
        {
          hint: 'lower dataset.maxWords, or export the text tower with a longer (or unknown) word axis',
        },
      );
    }
    const tokenDtype = text.inputs[0]!.dtype;
    const side = image.inputs[0]!.shape[1]!;
    const embedDim = text.outputs[1]!.shape[1]!;
    const resize = (x: tf.Tensor4D) => (x.shape[1] === side ? x : tf.image.resizeBilinear(x, [side, side]));
    const split =
      folder.manifest.bridgeAfter === undefined
        ? undefined
        : splitImageTower(image, folder.manifest.bridgeAfter, resize);
    for (const m of [...models, ...(split?.models ?? [])]) m.trainable = false;
    // `upper` applies tower layers anew, which tfjs counts as uses to release; `lower` only reuses the tower's graph.
    if (split) models.push(split.models[1]!);
    const {table: ids, unknown} = tokenTable(vocab, folder);
    const table = tf.tensor1d(ids, 'int32'); // last: nothing after it can fail
    const encoders: EncoderPair = {
      embedDim,
      encodeText: (tokens) => {
        const t = tokens.shape[1];
        let mapped = tf.gather(table as tf.Tensor, tokens) as tf.Tensor2D;
        if (modelWords !== null && modelWords! > t)
          mapped = tf.pad(mapped, [
            [0, 0],
            [0, modelWords! - t],
          ]);
        const [words, sentence] = text.apply(tf.cast(mapped, tokenDtype), {training: false}) as [
          tf.Tensor3D,
          tf.Tensor2D,
        ];
        return {words: words.shape[1] === t ? words : tf.slice(words, [0, 0, 0], [-1, t, -1]), sentence};
      },
      encodeImage: (images) => {
        const [map, global] = image.apply(resize(images), {training: false}) as [tf.Tensor4D, tf.Tensor2D];
        const [b, h, w, d] = map.shape;
        return {regions: tf.reshape(map, [b, h * w, d]), global};
      },
      textVariableNames: () => [],
      ...(split ? {imageLayers: split.layers} : {}),
    };
    return {
      encoders,
      unknownWords: unknown,
      sha256: folder.sha256,
      dispose: () => {
        table.dispose();
        for (const m of models) m.dispose();
      },
    };
  } catch (err) {
    for (const m of models) m.dispose();
    throw err;
  }
}

export const tfjsEncoders = defineFileEncoders({
  name: 'tfjs',
  kind: 'files',
  summary:
    'A CLIP-style dual encoder loaded frozen from a folder of tfjs layers models (no pretraining; see docs/encoders.md)',
  schema: {
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          'Folder with encoder.json, text/model.json and image/model.json (relative to the working directory).',
      },
    },
    required: ['path'],
  },
  checkFiles: (cfg) => void readFolderFiles(cfg.path),
  load: (cfg, {vocab, maxWords}) => loadTfjsEncoders(cfg.path, vocab, maxWords),
});
