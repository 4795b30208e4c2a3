// Cross-entropy label guidance mode: the baseline that classifies instead of contrasting.
import * as tf from '@tensorflow/tfjs';
import {labelCrossEntropyLoss} from '../../losses/label-cross-entropy';
import {dense} from '../../nn/params';
import {defineMode} from './descriptor';

export const ce = defineMode({
  name: 'ce',
  summary: 'Cross-entropy label guidance (paper baseline): a linear classifier head on every view, softmax or sigmoid',
  needs: 'labels',
  build: ({params, embedDim, classes}) => {
    const head = params.dense('ce_head', embedDim, classes);
    return {
      loss: (features, {labels, multiHot}) =>
        tf.tidy(() => {
          const [batch, views] = features.shape;
          // Every view of sample b is classified against b's labels (view-major rows, like the features).
          const logits = dense(
            tf.reshape(tf.transpose(features, [1, 0, 2]), [batch * views, embedDim]),
            head,
          ) as tf.Tensor2D;
          const repeat = <T>(xs: T[]): T[] => Array.from({length: views}, () => xs).flat();
          return labelCrossEntropyLoss(logits, multiHot ? repeat(multiHot) : repeat(labels!));
        }),
    };
  },
});
