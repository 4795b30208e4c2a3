// Loads a tfjs model saved as files (model.json + weight shards) from a local folder, without tfjs-node.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';

export interface ModelFiles {
  /** The artifacts tfjs' loaders take (through a custom IOHandler). */
  artifacts: tf.io.ModelArtifacts;
  /** sha256 over model.json and every shard, in manifest order: the weights' identity in protocols. */
  sha256: string;
  format: string;
}

/** Reads `<dir>/model.json` (or a model.json path) and its shards; every problem is a BAD_INPUT error naming the file. */
export function readModelFiles(
  location: string,
  what: string,
  hint = 'point it at a folder holding a tfjs model.json and its weight shards (see README: Inception weights)',
): ModelFiles {
  const file = location.endsWith('.json') ? location : path.join(location, 'model.json');
  if (!fs.existsSync(file)) throw new ScgError('BAD_INPUT', `${what}: ${file} does not exist`, {hint});
  const text = fs.readFileSync(file);
  let json: {
    modelTopology?: unknown;
    weightsManifest?: {paths: string[]; weights: tf.io.WeightsManifestEntry[]}[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
  };
  try {
    json = JSON.parse(text.toString('utf8')) as typeof json;
  } catch (err) {
    throw new ScgError('BAD_INPUT', `${what}: ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ScgError(
      'BAD_INPUT',
      `${what}: ${file} has no modelTopology or weightsManifest; it is not a tfjs model.json`,
    );
  }
  const hash = crypto.createHash('sha256').update(text);
  const buffers: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const shard = path.join(path.dirname(file), p);
      if (!fs.existsSync(shard))
        throw new ScgError('BAD_INPUT', `${what}: weight shard ${shard} listed in ${file} is missing`);
      const data = fs.readFileSync(shard);
      hash.update(data);
      buffers.push(data);
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    artifacts: {
      modelTopology: json.modelTopology as NonNullable<tf.io.ModelArtifacts['modelTopology']>,
      weightSpecs: specs,
      weightData,
      ...(json.format === undefined ? {} : {format: json.format}),
      ...(json.generatedBy === undefined ? {} : {generatedBy: json.generatedBy}),
      ...(json.convertedBy === undefined ? {} : {convertedBy: json.convertedBy}),
    },
    sha256: hash.digest('hex'),
    format: json.format ?? 'layers-model',
  };
}

/** Saves a layers model as model.json + weights.bin (the format `readModelFiles` reads; used by tests and tools). */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, {recursive: true});
  await model.save({
    save: async (a: tf.io.ModelArtifacts) => {
      const data = Buffer.from(a.weightData as ArrayBuffer);
      fs.writeFileSync(path.join(dir, 'weights.bin'), data);
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({
          modelTopology: a.modelTopology,
          format: 'layers-model',
          generatedBy: a.generatedBy,
          convertedBy: a.convertedBy,
          weightsManifest: [{paths: ['weights.bin'], weights: a.weightSpecs}],
        }),
      );
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.length}};
    },
  });
}
