// Single-label SupCon mode: the paper on CUB.
import {supConLoss} from '../../losses/supcon';
import {temperatures} from './temperatures';
import {defineMode} from './descriptor';

export const supcon = defineMode({
  name: 'supcon',
  summary: 'Supervised contrast with one label per image (the paper, CUB): same class = positive',
  needs: 'single',
  build: ({config}) => ({
    loss: (features, {labels}) => supConLoss(features, {...temperatures(config), labels: labels!}),
  }),
});
