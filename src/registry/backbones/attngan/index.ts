// The `attngan` backbone entry (taoxugit/AttnGAN): multi-stage generator with word attention, one D per stage.
import {BackboneDescriptor} from '../descriptor';
import {matchingDiscriminatorLoss, matchingGeneratorLoss} from '../shared/matching-gan-losses';
import {StageDiscriminator} from '../shared/stage-discriminator';
import {AttnGanGenerator} from './generator';

export const attngan: BackboneDescriptor = {
  name: 'attngan',
  summary: 'AttnGAN: conditioning augmentation, GLU upsampling, word-attention refinement stages, one D per stage',
  schema: {
    properties: {
      stages: {type: 'integer', minimum: 1, maximum: 3, default: 2, description: 'Generator stages; each after the first doubles the resolution (AttnGAN: 3). The last matches dataset.resolution.'},
      width: {type: 'integer', minimum: 2, default: 32, description: 'Generator width ngf (AttnGAN GF_DIM: 32); the 4x4 code has ngf·2^u channels for u upsamplings.'},
      dWidth: {type: 'integer', minimum: 2, default: 64, description: 'Discriminator width ndf (AttnGAN DF_DIM: 64 on CUB, 96 on COCO).'},
      zDim: {type: 'integer', minimum: 1, default: 100, description: 'Noise size (AttnGAN Z_DIM: 100).'},
      condDim: {type: 'integer', minimum: 1, default: 100, description: 'Conditioning-augmentation output size (AttnGAN CONDITION_DIM: 100).'},
      resBlocks: {type: 'integer', minimum: 0, default: 2, description: 'Residual blocks per refinement stage (AttnGAN R_NUM: 2).'},
      lambdaDamsm: {type: 'number', minimum: 0, default: 5, description: 'Weight of the DAMSM term in the G loss (AttnGAN: 5 on CUB, 50 on COCO).'},
      lambdaKl: {type: 'number', minimum: 0, default: 1, description: 'Weight of the conditioning-augmentation KL term (AttnGAN: 1).'},
      ema: {type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Decay of the moving average of G weights used for samples (AttnGAN: 0.999); 0 turns it off.'},
    },
  },
  check: (cfg, resolution) => {
    const base = resolution / 2 ** ((cfg['stages'] as number) - 1);
    return base >= 8 ? undefined : `${cfg['stages']} stages at resolution ${resolution} leave a first stage of ${base} px; it must be at least 8 (use fewer stages or a larger dataset.resolution)`;
  },
  build: (cfg, {resolution, embedDim, g, d}) => {
    const num = (k: string) => cfg[k] as number;
    const gen = new AttnGanGenerator(g, {stages: num('stages'), width: num('width'), zDim: num('zDim'), condDim: num('condDim'), resBlocks: num('resBlocks'), embedDim, resolution});
    const ds = gen.stageResolutions.map((r, s) => new StageDiscriminator(d, `d${s}`, r, num('dWidth'), embedDim));
    return {
      zDim: num('zDim'),
      condDim: num('condDim'),
      stageResolutions: gen.stageResolutions,
      g, d,
      lambdaDamsm: num('lambdaDamsm'),
      lambdaKl: num('lambdaKl'),
      ema: num('ema'),
      generate: (inputs, mode) => gen.apply(inputs, mode),
      discriminatorLoss: (reals, fakes, sentences) => matchingDiscriminatorLoss(ds, reals, fakes, sentences),
      generatorLoss: (fakes, sentences) => matchingGeneratorLoss(ds, fakes, sentences),
    };
  },
};
