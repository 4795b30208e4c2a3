// Multi-label SupCon mode: the paper on COCO.
import {supConLoss} from '../../losses/supcon';
import {temperatures} from './temperatures';
import type {ContrastiveMode} from './descriptor';

export const supconMulti: ContrastiveMode = {
  name: 'supcon-multi',
  summary: 'Supervised contrast with label sets (the paper, COCO): positives by contrastive.positives (any | jaccard)',
  needs: 'multi',
  build: ({config}) => ({
    loss: (features, {multiHot}) =>
      supConLoss(features, {
        ...temperatures(config),
        multiHot: multiHot!,
        positives: config.positives,
        threshold: config.threshold,
      }),
  }),
};
