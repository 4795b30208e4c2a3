// The `attngan` backbone entry (taoxugit/AttnGAN): multi-stage generator with word attention, one D per stage.
import {defineBackbone} from '../descriptor';
import {multiStageBackbone} from '../shared/multi-stage-backbone';
import {AttnGanGenerator} from './generator';

export const attngan = defineBackbone({
  name: 'attngan',
  summary: 'AttnGAN: conditioning augmentation, GLU upsampling, word-attention refinement stages, one D per stage',
  tiny: {stages: 2, width: 4, dWidth: 4, zDim: 8, condDim: 4, resBlocks: 1},
  ...multiStageBackbone((g, opts) => new AttnGanGenerator(g, opts), {}),
});
