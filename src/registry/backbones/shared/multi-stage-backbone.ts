// Knobs, checks and the build of the AttnGAN family (AttnGAN, DM-GAN): a multi-stage generator, one
// discriminator per stage with unconditional and sentence-conditional logits, BCE losses, EMA of G.
import type {BackboneDescriptor} from '../descriptor';
import {damsmGammaProperties, damsmGammasOf} from './damsm-gammas';
import {matchingDiscriminatorLoss, matchingGeneratorLoss} from './matching-gan-losses';
import type {MultiStageGenerator, MultiStageOptions} from './multi-stage-generator';
import {type DiscriminatorNorm, StageDiscriminator} from './stage-discriminator';
import type {JsonSchema} from '../../registry';
import type {ParamSet} from '../../../nn/params';

/** The schema, resolution check and build shared by the family; `makeGenerator` picks the refinement stages. */
export function multiStageBackbone(
  makeGenerator: (g: ParamSet, opts: MultiStageOptions) => MultiStageGenerator,
  /** Keys only one member of the family has (DM-GAN's `dNorm`). */
  extraProperties: Record<string, JsonSchema> = {},
): Pick<BackboneDescriptor, 'schema' | 'check' | 'build'> {
  return {
    schema: {
      properties: {
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
          description:
            'Generator width ngf (original GF_DIM: 32); the 4x4 code has ngf·2^u channels for u upsamplings.',
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
        ...extraProperties,
      },
    },
    check: (cfg, resolution) => {
      const base = resolution / 2 ** ((cfg['stages'] as number) - 1);
      return base >= 8
        ? undefined
        : {
            path: ['backbone', 'stages'],
            message: `${cfg['stages']} stages at resolution ${resolution} leave a first stage of ${base} px; it must be at least 8 (use fewer stages or a larger dataset.resolution)`,
          };
    },
    build: (cfg, {resolution, embedDim, g, d}) => {
      const num = (k: string) => cfg[k] as number;
      if (cfg['init'] === 'attngan') [g.init, d.init] = ['attngan', 'attngan'];
      const gen = makeGenerator(g, {
        stages: num('stages'),
        width: num('width'),
        zDim: num('zDim'),
        condDim: num('condDim'),
        resBlocks: num('resBlocks'),
        embedDim,
        resolution,
      });
      const norm = (cfg['dNorm'] as DiscriminatorNorm | undefined) ?? 'batch';
      const ds = gen.stageResolutions.map(
        (r, s) => new StageDiscriminator(d, `d${s}`, r, num('dWidth'), embedDim, norm),
      );
      return {
        zDim: num('zDim'),
        condDim: num('condDim'),
        stageResolutions: gen.stageResolutions,
        g,
        d,
        lambdaDamsm: num('lambdaDamsm'),
        damsmGammas: damsmGammasOf(cfg),
        lambdaKl: num('lambdaKl'),
        ema: num('ema'),
        generate: (inputs, mode) => gen.apply(inputs, mode),
        discriminatorLoss: (reals, fakes, sentences) => matchingDiscriminatorLoss(ds, reals, fakes, sentences),
        generatorLoss: (fakes, sentences) => matchingGeneratorLoss(ds, fakes, sentences),
      };
    },
  };
}
