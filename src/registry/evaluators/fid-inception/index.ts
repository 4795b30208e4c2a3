// The `fid-inception` evaluator: pytorch-fid's FID Inception (the TF 2015-12-05 graph's weights) from a
// safetensors file, the network papers' FID and IS numbers come from.
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../../../errors';
import {defineEvaluator, type FeatureExtractor} from '../descriptor';
import {CLASSES, FEATURE_DIM, INPUT_SIZE} from './layout';
import {fidInceptionForward} from './network';
import {defaultFidInceptionPath, disposeWeights, loadFidInceptionWeights} from './weights';

/** The extractor over a weights file; images come in [-1, 1] (scg's range) and go to the network in [0, 1]. */
export function fidInceptionExtractor(file: string, what = 'eval.fidInceptionPath'): FeatureExtractor {
  const weights = loadFidInceptionWeights(file, what);
  return {
    name: 'fid-inception',
    weightsSha256: weights.sha256,
    featureDim: FEATURE_DIM,
    details: {
      network: "pytorch-fid's fid_inception_v3 (FIDInceptionA/C/E_1/E_2, 1008 classes)",
      inputSize: INPUT_SIZE,
      resize: 'bilinear, half-pixel centres (F.interpolate align_corners=False), then 2x - 1',
      featureDim: FEATURE_DIM,
      classes: CLASSES,
      isDefinition: 'softmax of fc.weight . pool features without fc.bias (improved-GAN, torch-fidelity)',
    },
    extract: (images) =>
      tf.tidy(() => {
        const {features, logits} = fidInceptionForward(tf.div(tf.add(images, 1), 2) as tf.Tensor4D, weights);
        return {features, probs: tf.softmax(logits)};
      }),
    dispose: () => disposeWeights(weights),
  };
}

export const fidInception = defineEvaluator({
  name: 'fid-inception',
  summary:
    "pytorch-fid's FID Inception (TF 2015-12-05 weights) from eval.fidInceptionPath: the network papers' FID and IS use",
  schema: {
    properties: {
      fidInceptionPath: {
        type: 'string',
        minLength: 1,
        description:
          "fid-inception evaluator: safetensors file of pytorch-fid's FID Inception (scripts/convert-pt-inception.py writes it).",
      },
    },
  },
  check: (e) => {
    if (e.fidInceptionPath || fs.existsSync(defaultFidInceptionPath())) return undefined;
    return {
      key: 'fidInceptionPath',
      message: `evaluator fid-inception needs pytorch-fid's Inception weights, but eval.fidInceptionPath is not set and ${defaultFidInceptionPath()} does not exist`,
      hint: 'convert pt_inception-2015-12-05-6726825d.pth with scripts/convert-pt-inception.py (it writes that file), or set eval.fidInceptionPath (README: FID Inception weights)',
    };
  },
  build: async ({config}) => {
    const problem = fidInception.check?.(config.eval);
    if (problem) throw new ScgError('BAD_INPUT', `eval.${problem.key}: ${problem.message}`, {hint: problem.hint});
    return fidInceptionExtractor(config.eval.fidInceptionPath ?? defaultFidInceptionPath());
  },
});
