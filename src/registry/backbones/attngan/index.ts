// The `attngan` backbone entry (taoxugit/AttnGAN): multi-stage generator with word attention, one D per stage.
import {BackboneDescriptor} from '../descriptor';
import {multiStageBackbone} from '../shared/multi-stage-backbone';
import {AttnGanGenerator} from './generator';

export const attngan: BackboneDescriptor = {
  name: 'attngan',
  summary: 'AttnGAN: conditioning augmentation, GLU upsampling, word-attention refinement stages, one D per stage',
  ...multiStageBackbone((g, opts) => new AttnGanGenerator(g, opts)),
};
