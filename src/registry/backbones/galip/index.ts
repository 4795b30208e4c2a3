// The `galip` backbone entry (tobran/GALIP): a generator bridged through the frozen image encoder, a
// discriminator on frozen encoder features, hinge + MA-GP, and a text–image cosine term for G.
import * as tf from '@tensorflow/tfjs';
import {defineBackbone} from '../descriptor';
import {damsmGammaProperties, damsmGammasOf} from '../shared/damsm-gammas';
import {hingeGeneratorLoss, hingeMaGpDiscriminatorLoss, maGpProperties} from '../shared/hinge-ma-gp';
import {JointDiscriminator} from '../shared/joint-discriminator';
import {GalipGenerator} from './generator';

export const galip = defineBackbone({
  name: 'galip',
  summary:
    'GALIP: G bridged through the frozen image encoder, D on frozen encoder features, hinge + MA-GP, −k·cos(image, sentence) for G',
  tiny: {width: 2, dWidth: 2, zDim: 8},
  bridgesImageEncoder: true,
  schema: {
    properties: {
      width: {
        type: 'integer',
        minimum: 1,
        default: 32,
        description: 'Generator width ngf (the code at res/8 has 8ngf channels).',
      },
      dWidth: {
        type: 'integer',
        minimum: 1,
        default: 32,
        description: "Discriminator width ndf (on the frozen encoder's feature map).",
      },
      zDim: {type: 'integer', minimum: 1, default: 100, description: 'Noise size (original: 100).'},
      cosWeight: {
        type: 'number',
        minimum: 0,
        default: 4,
        description: "k in G's −k·cos(image code of fake, sentence code) (original: 4).",
      },
      ...damsmGammaProperties({gamma1: 4, gamma2: 5, gamma3: 10}, 'unused by GALIP; AttnGAN'),
      lambdaDamsm: {
        type: 'number',
        minimum: 0,
        default: 0,
        description: 'Weight of DAMSM in the G loss (GALIP uses none: 0).',
      },
      ...maGpProperties,
      ema: {
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0,
        description: 'Moving average of G for samples (original: none).',
      },
    },
  },
  check: (_cfg, resolution) =>
    resolution >= 16
      ? undefined
      : {
          path: ['dataset', 'resolution'],
          message: `galip needs dataset.resolution ≥ 16 (its code is at resolution/8), got ${resolution}`,
        },
  build: (cfg, {resolution, embedDim, g, d, encoders}) => {
    const gen = new GalipGenerator(g, {width: cfg.width, zDim: cfg.zDim, embedDim, resolution}, encoders);
    const layers = encoders.imageLayers!;
    const [side, channels] = layers.shapes(resolution).upper;
    const head = new JointDiscriminator(d, side, cfg.dWidth, embedDim, channels);
    // D sees the frozen encoder's region-code map; MA-GP is taken with respect to those features and the sentence.
    const features = (x: tf.Tensor4D) => layers.upper(layers.lower(x));
    const D = (f: tf.Tensor4D, s: tf.Tensor2D) => head.apply(f, s);
    const cosine = (a: tf.Tensor2D, b: tf.Tensor2D) =>
      tf.sum(tf.mul(tf.div(a, tf.norm(a, 'euclidean', 1, true)), tf.div(b, tf.norm(b, 'euclidean', 1, true))), 1);
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
      generate: (inputs, mode) => gen.apply(inputs, mode),
      discriminatorLoss: (reals, fakes, sentences) =>
        hingeMaGpDiscriminatorLoss(D, features(reals[0]!), features(fakes[0]!), sentences, {
          weight: cfg.maGpWeight,
          power: cfg.maGpPower,
        }),
      generatorLoss: (fakes, sentences) => {
        const adv = hingeGeneratorLoss(D, features(fakes[0]!), sentences);
        const codes = tf.split(encoders.encodeImage(fakes[0]!).global, 2) as tf.Tensor2D[];
        const cos = tf.addN(sentences.map((s, b) => tf.neg(tf.mean(cosine(codes[b]!, s))))) as tf.Scalar;
        return {
          loss: tf.add(adv.loss, tf.mul(cos, cfg.cosWeight)) as tf.Scalar,
          terms: {...adv.terms, g_neg_cos: cos},
        };
      },
    };
  },
});
