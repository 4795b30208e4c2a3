// Knobs, checks and the build of the AttnGAN family (AttnGAN, DM-GAN): a multi-stage generator, one
// discriminator per stage with unconditional and sentence-conditional logits, BCE losses, EMA of G.
import type {BackboneEntry} from '../descriptor';
import {damsmGammaProperties, damsmGammasOf} from './damsm-gammas';
import {matchingDiscriminatorLoss, matchingGeneratorLoss} from './matching-gan-losses';
import type {MultiStageGenerator, MultiStageOptions} from './multi-stage-generator';
import {type DiscriminatorNorm, StageDiscriminator} from './stage-discriminator';
import type {ParamSet} from '../../../nn/params';
import {defineProperties, type Properties} from '../../../core/json-schema';

/** The schema, resolution check and build shared by the family; `makeGenerator` picks the refinement stages. */
export function multiStageBackbone<const E extends Properties>(
  makeGenerator: (g: ParamSet, opts: MultiStageOptions) => MultiStageGenerator,
  /** Keys only one member of the family has (DM-GAN's `dNorm`). */
  extraProperties: E,
) {
  const check: BackboneEntry<FamilyProperties>['check'] = (cfg, resolution) => {
    const base = resolution / 2 ** (cfg.stages - 1);
    if (!Number.isInteger(Math.log2(base)))
      return {
        path: ['dataset', 'resolution'],
        message: `${cfg.stages} stages at resolution ${resolution} leave a first stage of ${base} px; the first stage doubles from 4×4, so it must be a power of two (resolution 16, 32, 64, 128 or 256)`,
      };
    return base >= 8
      ? undefined
      : {
          path: ['backbone', 'stages'],
          message: `${cfg.stages} stages at resolution ${resolution} leave a first stage of ${base} px; it must be at least 8 (use fewer stages or a larger dataset.resolution)`,
        };
  };
  const build: BackboneEntry<FamilyProperties>['build'] = (cfg, {resolution, embedDim, g, d}) => {
    if (cfg.init === 'attngan') [g.init, d.init] = ['attngan', 'attngan'];
    const gen = makeGenerator(g, {
      stages: cfg.stages,
      width: cfg.width,
      zDim: cfg.zDim,
      condDim: cfg.condDim,
      resBlocks: cfg.resBlocks,
      embedDim,
      resolution,
    });
    const norm: DiscriminatorNorm = 'dNorm' in cfg && cfg.dNorm === 'spectral' ? 'spectral' : 'batch';
    const ds = gen.stageResolutions.map((r, s) => new StageDiscriminator(d, `d${s}`, r, cfg.dWidth, embedDim, norm));
    return {
      zDim: cfg.zDim,
      condDim: cfg.condDim,
      stageResolutions: gen.stageResolutions,
      g,
      d,
      lambdaDamsm: cfg.lambdaDamsm,
      damsmGammas: damsmGammasOf(cfg),
      lambdaKl: cfg.lambdaKl,
      ema: cfg.ema,
      generate: (inputs, mode) => gen.apply(inputs, mode),
      discriminatorLoss: (reals, fakes, sentences) => matchingDiscriminatorLoss(ds, reals, fakes, sentences),
      generatorLoss: (fakes, sentences) => matchingGeneratorLoss(ds, fakes, sentences),
    };
  };
  return {schema: {properties: {...familyProperties, ...extraProperties}}, check, build};
}

/** The keys every member of the family has, with AttnGAN's defaults. */
const familyProperties = defineProperties({
  stages: {
    type: 'integer',
    minimum: 1,
    maximum: 3,
    default: 2,
    description:
      'Generator stages; each after the first doubles the resolution (original: 3). The last matches dataset.resolution.',
  },
  width: {
    type: 'integer',
    minimum: 2,
    default: 32,
    description: 'Generator width ngf (original GF_DIM: 32); the 4x4 code has ngf·2^u channels for u upsamplings.',
  },
  dWidth: {
    type: 'integer',
    minimum: 2,
    default: 64,
    description: 'Discriminator width ndf (original DF_DIM: 64 on CUB, 96 on COCO).',
  },
  zDim: {type: 'integer', minimum: 1, default: 100, description: 'Noise size (original Z_DIM: 100).'},
  condDim: {
    type: 'integer',
    minimum: 1,
    default: 100,
    description: 'Conditioning-augmentation output size (original CONDITION_DIM: 100).',
  },
  resBlocks: {
    type: 'integer',
    minimum: 0,
    default: 2,
    description: 'Residual blocks per refinement stage (original R_NUM: 2).',
  },
  lambdaDamsm: {
    type: 'number',
    minimum: 0,
    default: 5,
    description: 'Weight of the DAMSM term in the G loss (original: 5 on CUB, 50 on COCO).',
  },
  ...damsmGammaProperties({gamma1: 4, gamma2: 5, gamma3: 10}, 'AttnGAN bird_attn2.yml and DM-GAN bird_DMGAN.yml'),
  lambdaKl: {
    type: 'number',
    minimum: 0,
    default: 1,
    description: 'Weight of the conditioning-augmentation KL term (original: 1).',
  },
  init: {
    type: 'string',
    enum: ['attngan', 'uniform'],
    default: 'attngan',
    description:
      "Initial weights of G and D. attngan: AttnGAN's weights_init, which DM-GAN uses too (orthogonal conv and linear weights, linear biases 0, batch-norm scale N(1, 0.02)); uniform: PyTorch's layer defaults. The orthogonal factors come from LAPACK's QR when the torch addon is built (seconds at the originals' widths) and from a JavaScript QR otherwise (minutes for a 256-px discriminator at the originals' widths).",
  },
  ema: {
    type: 'number',
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.999,
    description: 'Decay of the moving average of G weights used for samples (original: 0.999); 0 turns it off.',
  },
});

type FamilyProperties = typeof familyProperties;
