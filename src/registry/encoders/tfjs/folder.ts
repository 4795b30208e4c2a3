// Reads and checks a dual-encoder folder (encoder.json + text/ and image/ tfjs layers models); see docs/encoders.md.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../../errors';
import {type ModelFiles, readModelFiles} from '../../../core/model-files';

export const FOLDER_FORMAT = 'scg-dual-encoder';

/** encoder.json: how dataset words become the model's tokens, and where GALIP's bridge splits the image tower. */
export interface EncoderManifest {
  format: typeof FOLDER_FORMAT;
  version: 1;
  /** The text tower's vocabulary: token id = index; id 0 is padding. */
  vocab: string[];
  /** Token id for words the vocabulary lacks. */
  unknownToken: number;
  /** Name of the image tower's layer after which generator features enter (GALIP); absent = no bridge. */
  bridgeAfter?: string;
}

export interface DualEncoderFolder {
  manifest: EncoderManifest;
  text: tf.LayersModel;
  image: tf.LayersModel;
  /** sha256 over encoder.json and both models' files. */
  sha256: string;
}

const HINT = 'see docs/encoders.md for the folder layout (encoder.json, text/model.json, image/model.json)';

function bad(message: string): ScgError {
  return new ScgError('BAD_INPUT', message, {hint: HINT});
}

function readManifest(file: string): EncoderManifest {
  if (!fs.existsSync(file)) throw bad(`encoders.path: ${file} does not exist`);
  let m: Partial<EncoderManifest>;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<EncoderManifest>;
  } catch (err) {
    throw bad(`encoders.path: ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (m.format !== FOLDER_FORMAT || m.version !== 1)
    throw bad(`encoders.path: ${file} must have "format": "${FOLDER_FORMAT}" and "version": 1`);
  if (!Array.isArray(m.vocab) || m.vocab.length < 2 || !m.vocab.every((w) => typeof w === 'string')) {
    throw bad(`encoders.path: ${file}: "vocab" must be a list of at least 2 words (index = token id, 0 = padding)`);
  }
  if (!Number.isInteger(m.unknownToken) || m.unknownToken! <= 0 || m.unknownToken! >= m.vocab.length) {
    throw bad(`encoders.path: ${file}: "unknownToken" must be a token id in 1..${m.vocab.length - 1}`);
  }
  if (m.bridgeAfter !== undefined && typeof m.bridgeAfter !== 'string')
    throw bad(`encoders.path: ${file}: "bridgeAfter" must be a layer name`);
  return m as EncoderManifest;
}

/** Shape of a model's outputs as `[null, ...]` lists. */
function outputShapes(model: tf.LayersModel): (number | null)[][] {
  return model.outputs.map((o) => o.shape);
}

function checkTowers(dir: string, text: tf.LayersModel, image: tf.LayersModel): void {
  const [tokens] = text.inputs;
  if (text.inputs.length !== 1 || tokens!.shape.length !== 2)
    throw bad(
      `encoders.path: ${dir}/text takes ${text.inputs.length} input(s) of shape [${tokens?.shape}]; it must take one [batch, words] input of token ids`,
    );
  const [words, sentence] = outputShapes(text);
  if (text.outputs.length !== 2 || words!.length !== 3 || sentence!.length !== 2 || words![2] !== sentence![1]) {
    throw bad(
      `encoders.path: ${dir}/text must output [batch, words, D] word codes and a [batch, D] sentence code; it outputs ${outputShapes(
        text,
      )
        .map((s) => `[${s}]`)
        .join(', ')}`,
    );
  }
  const [pixels] = image.inputs;
  const side = pixels!.shape;
  if (image.inputs.length !== 1 || side.length !== 4 || side[1] === null || side[1] !== side[2] || side[3] !== 3) {
    throw bad(`encoders.path: ${dir}/image must take one [batch, S, S, 3] input with S fixed; it takes [${side}]`);
  }
  const [regions, global] = outputShapes(image);
  if (image.outputs.length !== 2 || regions!.length !== 4 || global!.length !== 2 || regions![3] !== global![1]) {
    throw bad(
      `encoders.path: ${dir}/image must output a [batch, h, w, D] region map and a [batch, D] global code; it outputs ${outputShapes(
        image,
      )
        .map((s) => `[${s}]`)
        .join(', ')}`,
    );
  }
  if (global![1] !== sentence![1])
    throw bad(
      `encoders.path: ${dir}: the image codes have ${global![1]} dimensions and the text codes ${sentence![1]}; they must share one embedding space`,
    );
}

/** The folder's manifest and both towers' files, read and checked (no models built yet). */
export function readFolderFiles(dir: string): {
  manifest: EncoderManifest;
  manifestFile: string;
  text: ModelFiles;
  image: ModelFiles;
} {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw bad(`encoders.path: ${dir} is not a folder`);
  const manifestFile = path.join(dir, 'encoder.json');
  const manifest = readManifest(manifestFile);
  const text = readModelFiles(path.join(dir, 'text'), 'encoders.path (text tower)', HINT);
  const image = readModelFiles(path.join(dir, 'image'), 'encoders.path (image tower)', HINT);
  return {manifest, manifestFile, text, image};
}

/** Reads `dir` and builds both towers; every problem is a BAD_INPUT error naming the file. */
export async function readDualEncoderFolder(dir: string): Promise<DualEncoderFolder> {
  const {manifest, manifestFile, text: textFiles, image: imageFiles} = readFolderFiles(dir);
  const load = async (files: typeof textFiles, which: string) => {
    try {
      return await tf.loadLayersModel({load: async () => files.artifacts});
    } catch (err) {
      throw bad(
        `encoders.path: ${dir}/${which}/model.json does not load as a tfjs layers model: ${(err as Error).message}`,
      );
    }
  };
  const text = await load(textFiles, 'text');
  const image = await load(imageFiles, 'image');
  try {
    checkTowers(dir, text, image);
  } catch (err) {
    text.dispose();
    image.dispose();
    throw err;
  }
  const sha256 = crypto
    .createHash('sha256')
    .update(fs.readFileSync(manifestFile))
    .update(textFiles.sha256)
    .update(imageFiles.sha256)
    .digest('hex');
  return {manifest, text, image, sha256};
}
