// The `inception-v3` evaluator: a standard InceptionV3 (Keras, converted to a tfjs layers model) loaded from a
// local folder; pool features (2048-d for the real model) for FID, class probabilities for IS.
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../errors';
import {layerOutput, loadLayersFolder} from '../../core/layers-folder';
import {defineEvaluator} from './descriptor';

const missingPath = {
  key: 'inceptionPath',
  message: 'evaluator inception-v3 loads its model from eval.inceptionPath, which is not set',
  hint: 'set eval.inceptionPath to the folder of the converted model (README: Inception weights)',
};

export const inceptionV3 = defineEvaluator({
  name: 'inception-v3',
  summary:
    'InceptionV3 in tfjs layers format from eval.inceptionPath: images resized to its input (299) and scaled to [-1, 1]',
  schema: {
    properties: {
      inceptionPath: {
        type: 'string',
        minLength: 1,
        description: 'inception-v3 evaluator: folder with the converted model.json and weight shards (see README).',
      },
      inceptionPoolLayer: {
        type: 'string',
        minLength: 1,
        default: 'avg_pool',
        description:
          'inception-v3 evaluator: layer whose output are the FID features (Keras InceptionV3: avg_pool, 2048-d).',
      },
    },
  },
  check: (e) => (e.inceptionPath ? undefined : missingPath),
  build: async ({config}) => {
    const location = config.eval.inceptionPath;
    if (!location)
      throw new ScgError('BAD_INPUT', `eval.${missingPath.key}: ${missingPath.message}`, {hint: missingPath.hint});
    const {model, sha256} = await loadLayersFolder(location, 'eval.inceptionPath');
    const poolName = config.eval.inceptionPoolLayer;
    const pool = layerOutput(model, poolName, 'eval.inceptionPoolLayer');
    const both = tf.model({inputs: model.inputs, outputs: [pool, model.outputs[0]!]});
    const [, h, w] = model.inputs[0]!.shape as number[];
    const featureDim = pool.shape[pool.shape.length - 1] as number;
    return {
      name: 'inception-v3',
      weightsSha256: sha256,
      featureDim,
      details: {
        inputSize: h,
        poolLayer: poolName,
        featureDim,
        classes: model.outputs[0]!.shape[1],
        isDefinition: "the model's output, softmax-normalised if it is not already a distribution",
      },
      extract: (images) =>
        tf.tidy(() => {
          // scg images are already in [-1, 1], the scaling Keras' inception_v3.preprocess_input produces.
          const x = tf.image.resizeBilinear(images, [h!, w!]);
          const [f, out] = both.predict(x) as tf.Tensor[];
          const features = tf.reshape(f!, [images.shape[0], featureDim]) as tf.Tensor2D;
          const sums = tf.sum(out!, 1);
          const isDistribution =
            tf.all(tf.less(tf.abs(tf.sub(sums, 1)), 1e-3)).dataSync()[0] === 1 && tf.min(out!).dataSync()[0]! >= 0;
          return {features, probs: (isDistribution ? out! : tf.softmax(out!)) as tf.Tensor2D};
        }),
      dispose: () => both.dispose(),
    };
  },
});
