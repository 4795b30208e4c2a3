// The `clip` encoders entry: a CLIP model loaded frozen from a Hugging Face folder (safetensors + BPE tokenizer).
import * as tf from '@tensorflow/tfjs';
import type {Vocabulary} from '../../../text/vocabulary';
import type {ClipTokenizer} from '../../../text/clip-bpe';
import {defineFileEncoders, type EncoderPair, type LoadedEncoders, type VisionTransformer} from '../descriptor';
import {readClipFolder} from './folder';
import {buildClip, type ClipModel} from './model';

export type InputMap = 'galip' | 'clip';

/** CLIP's per-channel pixel mean and standard deviation (its preprocessing). */
const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];

/**
 * Images in [-1, 1] → CLIP's normalised input at its size. `clip` maps to [0, 1] first, as CLIP's preprocessing
 * does; `galip` maps as GALIP's code does, x·0.5 + 0.5 and then (x + 1)·0.5, so CLIP sees [0.5, 1]. Both resize
 * with nearest neighbours when the size differs, as GALIP's `F.interpolate` does by default.
 */
export function clipPixels(images: tf.Tensor4D, size: number, map: InputMap): tf.Tensor4D {
  const resized = images.shape[1] === size ? images : tf.image.resizeNearestNeighbor(images, [size, size]);
  let x = tf.add(tf.mul(resized, 0.5), 0.5);
  if (map === 'galip') x = tf.mul(tf.add(x, 1), 0.5);
  return tf.div(tf.sub(x, MEAN), STD) as tf.Tensor4D;
}

/** Each dataset word's BPE ids (padding and <unk> have none: the dataset has lost the unknown word). */
function wordPieces(vocab: Vocabulary, tokenizer: ClipTokenizer): number[][] {
  return vocab.words.map((w, i) => (i < 2 ? [] : tokenizer.encode(w)));
}

/**
 * Dataset token rows → CLIP sequences: start token, each word's pieces, end token (cut to `context` as
 * `truncate=True` does, keeping the end token). `wordAt[b][t]` is the position of word t's last piece (words
 * cut off, padding and <unk> after the start point at the end token or at the piece before them).
 */
export function clipSequences(
  rows: number[][],
  pieces: number[][],
  tokenizer: ClipTokenizer,
  context: number,
): {ids: number[][]; end: number[]; wordAt: number[][]} {
  const ids: number[][] = [];
  const end: number[] = [];
  const wordAt: number[][] = [];
  for (const row of rows) {
    const seq = [tokenizer.startId];
    const at: (number | undefined)[] = [];
    for (const token of row) {
      const p = pieces[token] ?? [];
      if (token === 0 || seq.length + p.length > context - 1) {
        at.push(undefined);
        continue;
      }
      seq.push(...p);
      at.push(seq.length - 1);
    }
    seq.push(tokenizer.endId);
    ids.push(seq);
    end.push(seq.length - 1);
    wordAt.push(at.map((a) => a ?? seq.length - 1));
  }
  const width = Math.max(...ids.map((s) => s.length));
  for (const s of ids) while (s.length < width) s.push(0);
  return {ids, end, wordAt};
}

function stages(model: ClipModel, map: InputMap): VisionTransformer {
  const v = model.vision;
  return {
    width: v.c.width,
    grid: v.grid,
    layers: v.layers,
    patchMap: (images) => v.patchMap(clipPixels(images, v.c.imageSize, map)),
    tokens: (m) => v.tokens(m),
    layer: (i, x) => v.layer(i, x),
    tokenMap: (x) => v.tokenMap(x),
    code: (x) => tf.squeeze(tf.slice(v.project(x), [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D,
  };
}

export async function loadClipEncoders(dir: string, vocab: Vocabulary, map: InputMap): Promise<LoadedEncoders> {
  const folder = readClipFolder(dir);
  const {config, tokenizer} = folder;
  const pieces = wordPieces(vocab, tokenizer);
  const model = buildClip(folder.weights, config);
  const vit = stages(model, map);
  const encoders: EncoderPair = {
    embedDim: config.projectionDim,
    encodeText: (tokens) =>
      tf.tidy(() => {
        const {ids, end, wordAt} = clipSequences(tokens.arraySync(), pieces, tokenizer, config.text.context);
        const states = model.text.projectedStates(tf.tensor2d(ids, undefined, 'int32'));
        const [b, l, d] = states.shape;
        // Rows of the flattened states: sequence b's position p is row b·L + p.
        const flat = tf.reshape(states, [b * l, d]);
        const rows = (at: number[]) => tf.tensor1d(at, 'int32');
        const sentence = tf.gather(flat, rows(end.map((e, i) => i * l + e))) as tf.Tensor2D;
        const t = wordAt[0]!.length;
        const words = tf.reshape(tf.gather(flat, rows(wordAt.flatMap((r, i) => r.map((p) => i * l + p)))), [b, t, d]);
        return {words: words as tf.Tensor3D, sentence};
      }),
    encodeImage: (images) => {
      let x = vit.tokens(vit.patchMap(images));
      for (let i = 0; i < vit.layers; i++) x = vit.layer(i, x);
      const projected = model.vision.project(x);
      const n = vit.grid * vit.grid;
      return {
        regions: tf.slice(projected, [0, 1, 0], [-1, n, -1]),
        global: tf.squeeze(tf.slice(projected, [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D,
      };
    },
    textVariableNames: () => [],
    vit,
  };
  return {encoders, unknownWords: [], sha256: folder.sha256, dispose: () => model.dispose()};
}

export const clipEncoders = defineFileEncoders({
  name: 'clip',
  kind: 'files',
  summary:
    "A CLIP model loaded frozen from a Hugging Face folder (config.json, model.safetensors, vocab.json, merges.txt); GALIP's encoder",
  schema: {
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          'Folder downloaded from the Hugging Face hub, e.g. openai/clip-vit-base-patch32 (relative to the working directory).',
      },
      inputMap: {
        enum: ['galip', 'clip'],
        default: 'galip',
        description:
          "How images in [-1, 1] become CLIP's input: `galip` as GALIP's code does (x·0.5+0.5, then (x+1)·0.5, so CLIP sees [0.5, 1]), `clip` as CLIP's preprocessing ([0, 1]); both then CLIP's mean/std, resized with nearest neighbours.",
      },
    },
    required: ['path'],
  },
  checkFiles: (cfg) => void readClipFolder(cfg.path),
  load: (cfg, {vocab}) => loadClipEncoders(cfg.path, vocab, cfg.inputMap),
});
