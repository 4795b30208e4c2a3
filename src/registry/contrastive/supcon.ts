// Single-label SupCon mode: the paper on CUB.
import {supConLoss} from '../../losses/supcon';
import {temperatures} from './temperatures';
import type {ContrastiveMode} from './descriptor';

export const supcon: ContrastiveMode = {
  name: 'supcon',
  summary: 'Supervised contrast with one label per image (the paper, CUB): same class = positive',
  needs: 'single',
  build: ({config}) => ({
    loss: (features, {labels}) => supConLoss(features, {...temperatures(config), labels: labels!}),
  }),
};
