// Self-supervised NT-Xent mode (SimCLR): the "no labels" ablation.
import {supConLoss} from '../../losses/supcon';
import {defineMode} from './descriptor';

export const ntxent = defineMode({
  name: 'ntxent',
  summary: 'Self-supervised contrast (SimCLR NT-Xent): only the views of the same sample are positives',
  needs: 'none',
  check: (config, pretraining) =>
    pretraining && config.pretrainViews.join() === 'image'
      ? {
          key: 'pretrainViews',
          message:
            "mode 'ntxent' contrasts views of the same sample, but pretrainViews [image] gives one view per sample",
          hint: 'add text to pretrainViews',
        }
      : undefined,
  // NT-Xent as SimCLR and T2I_CL define it, without SupCon's τ/τ_base scale
  build: ({config}) => ({
    loss: (features) => supConLoss(features, {temperature: config.temperature, baseTemperature: config.temperature}),
  }),
});
