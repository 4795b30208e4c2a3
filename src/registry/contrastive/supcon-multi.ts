// Multi-label SupCon mode: the paper on COCO.
import {supConLoss} from '../../losses/supcon';
import {temperatures} from './temperatures';
import {defineMode} from './descriptor';

export const supconMulti = defineMode({
  name: 'supcon-multi',
  summary: 'Supervised contrast with label sets (the paper, COCO): positives by contrastive.positives (any | jaccard)',
  needs: 'multi',
  schema: {
    properties: {
      positives: {
        type: 'string',
        enum: ['any', 'jaccard'],
        default: 'any',
        description: 'supcon-multi: positives share any label, or have Jaccard ≥ threshold (weighted by Jaccard).',
      },
      threshold: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 1,
        default: 0.5,
        description: 'supcon-multi: the Jaccard threshold of positives: jaccard.',
      },
    },
  },
  build: ({config}) => ({
    loss: (features, {multiHot}) =>
      supConLoss(features, {
        ...temperatures(config),
        multiHot: multiHot!,
        positives: config.positives,
        threshold: config.threshold,
      }),
  }),
});
