// Loads a tfjs layers model (a converted Keras model) from a folder and finds its layers by name, with errors that
// name the config key the folder came from.
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {readModelFiles} from './model-files';

export interface LayersFolder {
  model: tf.LayersModel;
  /** sha256 over model.json and its shards (see `readModelFiles`). */
  sha256: string;
}

/** The layers model in `location` (`key`: the config key that named it, for messages); BAD_INPUT if it is not one. */
export async function loadLayersFolder(location: string, key: string): Promise<LayersFolder> {
  const files = readModelFiles(location, key);
  if (files.format !== 'layers-model') {
    throw new ScgError('BAD_INPUT', `${key}: ${location} holds a ${files.format}; scg needs a layers model`, {
      hint: 'convert the Keras model with tensorflowjs_converter --input_format keras (README: Inception weights)',
    });
  }
  return {model: await tf.loadLayersModel({load: async () => files.artifacts}), sha256: files.sha256};
}

/** The output of `model`'s layer `name` (`key`: the config key that named it); BAD_INPUT naming the top layers if absent. */
export function layerOutput(model: tf.LayersModel, name: string, key: string): tf.SymbolicTensor {
  try {
    return model.getLayer(name).output as tf.SymbolicTensor;
  } catch {
    throw new ScgError('BAD_INPUT', `${key}: the model has no layer '${name}'`, {
      hint: `layers near the top: ${model.layers
        .slice(-4)
        .map((l) => l.name)
        .join(', ')}`,
    });
  }
}
