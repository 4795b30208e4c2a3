// The `ssagan` backbone entry (wtliao/text2image): single-stage, mask-guided sentence modulation, hinge + MA-GP.
import {defineBackbone} from '../descriptor';
import {
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  hingeMaGpDiscriminatorLoss,
  maGpPenalty,
  maGpProperties,
} from '../shared/hinge-ma-gp';
import {JointDiscriminator} from '../shared/joint-discriminator';
import {damsmGammaProperties, damsmGammasOf} from '../shared/damsm-gammas';
import {SsaGanGenerator} from './generator';

export const ssagan = defineBackbone({
  name: 'ssagan',
  summary:
    'SSA-GAN: DF-GAN-style single stage, every block predicts a mask and modulates with the sentence only inside it; hinge + MA-GP',
  tiny: {width: 2, dWidth: 2, zDim: 8, maskWidth: 4},
  schema: {
    properties: {
      width: {
        type: 'integer',
        minimum: 1,
        default: 32,
        description: 'Generator width ngf; blocks have up to 8ngf channels (original: 64).',
      },
      dWidth: {
        type: 'integer',
        minimum: 1,
        default: 32,
        description:
          "Discriminator width ndf; blocks have up to 16ndf channels (original: 64, the cfg's TRAIN.NF, which main.py passes to NetD as to NetG).",
      },
      zDim: {type: 'integer', minimum: 1, default: 100, description: 'Noise size (original: 100).'},
      maskWidth: {
        type: 'integer',
        minimum: 1,
        default: 100,
        description: 'Hidden channels of each mask predictor (original: 100).',
      },
      residualGate: {
        type: 'string',
        enum: ['learned', 'none'],
        default: 'learned',
        description:
          "learned: each G block adds γ·residual, γ a learned scalar from 0 (SSA-GAN's, the first DF-GAN's); none: adds the residual as is (DF-GAN's CVPR 2022 G_Block). Adam moves γ by about the learning rate a step: at 1e-4 the gates were 0.028–0.036 after 400 steps (docs/results/README.md), so the text-conditioned residuals barely reached the image.",
      },
      lambdaDamsm: {
        type: 'number',
        minimum: 0,
        default: 0.05,
        description: 'Weight of DAMSM in the G loss (original: 0.05).',
      },
      ...damsmGammaProperties({gamma1: 5, gamma2: 5, gamma3: 10}, 'SSA-GAN miscc/config.py TRAIN.SMOOTH'),
      ...maGpProperties,
      maGpStep: {
        type: 'string',
        enum: ['separate', 'joint'],
        default: 'separate',
        description:
          "separate: MA-GP takes its own Adam step after the hinge step, as SSA-GAN's training loop does; joint: one step on hinge + MA-GP (DF-GAN's, GALIP's).",
      },
      ema: {
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
        description: 'Moving average of G for samples; the original keeps none (0).',
      },
    },
  },
  check: (_cfg, resolution) =>
    resolution < 8
      ? {path: ['dataset', 'resolution'], message: `resolution ${resolution} is too small for ssagan (at least 8)`}
      : Number.isInteger(Math.log2(resolution))
        ? undefined
        : {
            path: ['dataset', 'resolution'],
            message: `ssagan doubles from 4×4 to the resolution, so it must be a power of two; got ${resolution}`,
          },
  build: (cfg, {resolution, embedDim, g, d}) => {
    const gen = new SsaGanGenerator(g, {
      width: cfg.width,
      zDim: cfg.zDim,
      embedDim,
      resolution,
      maskWidth: cfg.maskWidth,
      residualGate: cfg.residualGate,
    });
    const disc = new JointDiscriminator(d, resolution, cfg.dWidth, embedDim);
    const gp = {weight: cfg.maGpWeight, power: cfg.maGpPower};
    const D = (x: Parameters<JointDiscriminator['apply']>[0], s: Parameters<JointDiscriminator['apply']>[1]) =>
      disc.apply(x, s);
    return {
      zDim: cfg.zDim,
      condDim: 0,
      stageResolutions: [resolution],
      g,
      d,
      lambdaDamsm: cfg.lambdaDamsm,
      damsmGammas: damsmGammasOf(cfg),
      lambdaKl: 0,
      ema: cfg.ema,
      masks: true,
      generate: (inputs, mode) => gen.apply(inputs, mode),
      ...(cfg.maGpStep === 'separate'
        ? {
            discriminatorLoss: (reals, fakes, sentences) => hingeDiscriminatorLoss(D, reals[0]!, fakes[0]!, sentences),
            discriminatorPenalty: (reals, sentences) => maGpPenalty(D, reals[0]!, sentences, gp),
          }
        : {
            discriminatorLoss: (reals, fakes, sentences) =>
              hingeMaGpDiscriminatorLoss(D, reals[0]!, fakes[0]!, sentences, gp),
          }),
      generatorLoss: (fakes, sentences) => hingeGeneratorLoss(D, fakes[0]!, sentences),
    };
  },
});
