// The `galip` backbone entry (tobran/GALIP): a generator bridged through the frozen image encoder, a
// discriminator on frozen encoder features, hinge + MA-GP, and a text–image cosine term for G. On a CLIP (an
// encoder pair with `vit`) it is GALIP's structure; on other encoders, the CNN-bridged substitute.
import * as tf from '@tensorflow/tfjs';
import {defineBackbone} from '../descriptor';
import {damsmGammaProperties, damsmGammasOf} from '../shared/damsm-gammas';
import {hingeGeneratorLoss, hingeMaGpDiscriminatorLoss, type JointD, maGpProperties} from '../shared/hinge-ma-gp';
import {JointDiscriminator} from '../shared/joint-discriminator';
import {ScgError} from '../../../errors';
import type {VisionTransformer} from '../../encoders/descriptor';
import {ClipDiscriminator, clipFeatures} from './clip-discriminator';
import {ClipGenerator} from './clip-generator';
import {GalipGenerator} from './generator';

/** Every index in `layers` must name one of the ViT's layers, in increasing order. */
function checkLayers(key: string, layers: number[], vit: VisionTransformer): void {
  if (layers.some((l, i) => l >= vit.layers || (i > 0 && l <= layers[i - 1]!)))
    throw new ScgError(
      'BAD_INPUT',
      `backbone.${key}: [${layers}] must be increasing layer indices below the CLIP image encoder's ${vit.layers} layers`,
      {hint: `GALIP's values are for ViT-B/32's 12 layers; choose indices in 0..${vit.layers - 1}`},
    );
}

/** NetC's two 4×4-ending convolutions need a patch grid of at least 4×4. */
function checkGrid(vit: VisionTransformer): void {
  if (vit.grid < 4)
    throw new ScgError(
      'BAD_INPUT',
      `galip: the CLIP image encoder's patch grid is ${vit.grid}×${vit.grid}; NetC needs at least 4×4`,
      {
        hint: 'use a CLIP whose image_size / patch_size is at least 4 (ViT-B/32: 7)',
      },
    );
}

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
        description:
          "Generator width ngf (original: 64). On a CLIP, the code on CLIP's patch grid has ngf channels and the G blocks 8ngf down to ngf; on other encoders the code at res/8 has 8ngf.",
      },
      dWidth: {
        type: 'integer',
        minimum: 1,
        default: 32,
        description:
          "Discriminator width ndf (original: 64): on a CLIP, NetD ends at 8ndf and NetC's hidden conv has 2ndf; on other encoders, DF-GAN's blocks on the frozen encoder's feature map.",
      },
      zDim: {type: 'integer', minimum: 1, default: 100, description: 'Noise size (original: 100).'},
      cosWeight: {
        type: 'number',
        minimum: 0,
        default: 4,
        description: "k in G's −k·cos(image code of fake, sentence code) (original: 4).",
      },
      promptLayers: {
        type: 'array',
        items: {type: 'integer', minimum: 0},
        minItems: 1,
        default: [1, 2, 3, 4, 5, 6, 7, 8],
        description:
          "With a CLIP encoder: the CLIP layers (0-based) inside G's bridge that each take one text-predicted prompt token (original: 1–8 of ViT-B/32's 12).",
      },
      featureLayers: {
        type: 'array',
        items: {type: 'integer', minimum: 0},
        minItems: 2,
        default: [1, 4, 8],
        description:
          'With a CLIP encoder: the CLIP layers (0-based) whose patch tokens D reads; the first enters D, each later one through a gated D block (original: 1, 4, 8).',
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
    const vit = encoders.vit;
    const cosine = (a: tf.Tensor2D, b: tf.Tensor2D) =>
      tf.sum(tf.mul(tf.div(a, tf.norm(a, 'euclidean', 1, true)), tf.div(b, tf.norm(b, 'euclidean', 1, true))), 1);
    const shared = {
      zDim: cfg.zDim,
      condDim: 0,
      stageResolutions: [resolution],
      g,
      d,
      lambdaDamsm: cfg.lambdaDamsm,
      damsmGammas: damsmGammasOf(cfg),
      lambdaKl: 0,
      ema: cfg.ema,
    };
    /** G's loss: hinge on D(features of the fakes), and −k·cos(image code of the fakes, sentence) per branch. */
    const gLoss = (D: JointD, features: tf.Tensor4D, code: tf.Tensor2D, sentences: [tf.Tensor2D, tf.Tensor2D]) => {
      const adv = hingeGeneratorLoss(D, features, sentences);
      const codes = tf.split(code, 2) as tf.Tensor2D[];
      const cos = tf.addN(sentences.map((s, b) => tf.neg(tf.mean(cosine(codes[b]!, s))))) as tf.Scalar;
      return {loss: tf.add(adv.loss, tf.mul(cos, cfg.cosWeight)) as tf.Scalar, terms: {...adv.terms, g_neg_cos: cos}};
    };
    const gp = {weight: cfg.maGpWeight, power: cfg.maGpPower};
    if (vit) {
      // GALIP's structure on a loaded CLIP: its mapper, G blocks, NetD on several layers and NetC.
      checkLayers('promptLayers', cfg.promptLayers, vit);
      checkLayers('featureLayers', cfg.featureLayers, vit);
      checkGrid(vit);
      const gen = new ClipGenerator(
        g,
        {width: cfg.width, zDim: cfg.zDim, embedDim, resolution, promptLayers: cfg.promptLayers},
        vit,
      );
      const head = new ClipDiscriminator(d, vit, cfg.featureLayers.length, cfg.dWidth, embedDim);
      const D: JointD = (f, s) => head.apply(f, s);
      const features = (x: tf.Tensor4D) => clipFeatures(vit, cfg.featureLayers, x, false).features;
      return {
        ...shared,
        generate: (inputs, mode) => gen.apply(inputs, mode),
        discriminatorLoss: (reals, fakes, sentences) =>
          hingeMaGpDiscriminatorLoss(D, features(reals[0]!), features(fakes[0]!), sentences, gp),
        generatorLoss: (fakes, sentences) => {
          const seen = clipFeatures(vit, cfg.featureLayers, fakes[0]!, true);
          return gLoss(D, seen.features, seen.code!, sentences);
        },
      };
    }
    const gen = new GalipGenerator(g, {width: cfg.width, zDim: cfg.zDim, embedDim, resolution}, encoders);
    const layers = encoders.imageLayers!;
    const [side, channels] = layers.shapes(resolution).upper;
    const head = new JointDiscriminator(d, side, cfg.dWidth, embedDim, channels);
    // D sees the frozen encoder's region-code map; MA-GP is taken with respect to those features and the sentence.
    const features = (x: tf.Tensor4D) => layers.upper(layers.lower(x));
    const D = (f: tf.Tensor4D, s: tf.Tensor2D) => head.apply(f, s);
    return {
      ...shared,
      generate: (inputs, mode) => gen.apply(inputs, mode),
      discriminatorLoss: (reals, fakes, sentences) =>
        hingeMaGpDiscriminatorLoss(D, features(reals[0]!), features(fakes[0]!), sentences, gp),
      generatorLoss: (fakes, sentences) =>
        gLoss(D, features(fakes[0]!), encoders.encodeImage(fakes[0]!).global, sentences),
    };
  },
});
