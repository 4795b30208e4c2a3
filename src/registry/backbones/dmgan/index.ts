// The `dmgan` backbone entry (MinfengZhu/DM-GAN): AttnGAN's pipeline with a dynamic memory in every refinement stage.
import type {ParamSet} from '../../../nn/params';
import {defineBackbone} from '../descriptor';
import {multiStageBackbone} from '../shared/multi-stage-backbone';
import {MultiStageGenerator, type MultiStageOptions} from '../shared/multi-stage-generator';
import {MemoryStage} from './memory-stage';

/** G_NET whose refinement stages are memory stages; `maps` holds each stage's key addressing `[n, H·W, T]`. */
export class DmGanGenerator extends MultiStageGenerator {
  constructor(params: ParamSet, opts: MultiStageOptions) {
    super(params, opts, (p, name, o) => new MemoryStage(p, name, o.width, o.embedDim, o.resBlocks));
  }
}

export const dmgan = defineBackbone({
  name: 'dmgan',
  summary:
    "DM-GAN: AttnGAN's stages with a dynamic memory (writing gate, key addressing, value reading, response gate)",
  tiny: {stages: 2, width: 4, dWidth: 4, zDim: 8, condDim: 4, resBlocks: 1},
  ...multiStageBackbone((g, opts) => new DmGanGenerator(g, opts), {
    dNorm: {
      type: 'string',
      enum: ['spectral', 'batch'],
      default: 'spectral',
      description:
        "Discriminators' normalisation. spectral: DM-GAN's own (every conv biased and spectrally normalised, one power iteration per forward pass, no batch norm); batch: AttnGAN's batch-norm discriminators (scg's dmgan before this key).",
    },
  }),
});
