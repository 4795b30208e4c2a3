// The `damsm` encoders entry: AttnGAN's BiLSTM text encoder with an image encoder: a CNN trained from scratch
// (image-encoder.ts) or AttnGAN's frozen Inception-v3 with trained projections (inception-image-encoder.ts).
import {readModelFiles} from '../../../core/model-files';
import {defineTrainedEncoders, type EncoderPair} from '../descriptor';
import {ImageEncoder} from './image-encoder';
import {InceptionImageEncoder, loadInceptionTrunk} from './inception-image-encoder';
import {TextEncoder} from './text-encoder';

const INCEPTION_HINT =
  'set encoders.inceptionPath to the converted Keras InceptionV3 folder (README: Inception weights)';

export const damsm = defineTrainedEncoders({
  name: 'damsm',
  kind: 'trained',
  summary: 'DAMSM dual encoder: embedding + BiLSTM for text, a CNN with region and global codes for images',
  schema: {
    properties: {
      embedDim: {
        type: 'integer',
        minimum: 4,
        multipleOf: 2,
        default: 64,
        description: 'Joint embedding size (AttnGAN: 256). Even: each LSTM direction has half.',
      },
      wordDim: {type: 'integer', minimum: 2, default: 32, description: 'Word embedding size (AttnGAN: 300).'},
      imageEncoder: {
        type: 'string',
        enum: ['cnn', 'inception-v3'],
        default: 'cnn',
        description:
          "Image encoder: 'cnn' is trained from scratch (works offline; scg's default), 'inception-v3' is AttnGAN's: a frozen ImageNet InceptionV3 from encoders.inceptionPath whose Mixed_6e map and pooled code are projected (the projections are trained).",
      },
      imageWidth: {
        type: 'integer',
        minimum: 2,
        default: 32,
        description: 'imageEncoder cnn: channels of the first conv, doubled at each of 3 downsamplings.',
      },
      inceptionPath: {
        type: 'string',
        minLength: 1,
        description:
          'imageEncoder inception-v3: folder of the converted Keras InceptionV3 (the same folder as eval.inceptionPath).',
      },
      inceptionRegionLayer: {
        type: 'string',
        minLength: 1,
        default: 'mixed7',
        description: "imageEncoder inception-v3: layer of the region map (Keras' name for Mixed_6e, 17×17×768).",
      },
      inceptionPoolLayer: {
        type: 'string',
        minLength: 1,
        default: 'avg_pool',
        description: 'imageEncoder inception-v3: layer of the pooled code (after Mixed_7c, 2048-d).',
      },
      dropout: {
        type: 'number',
        minimum: 0,
        maximum: 0.95,
        default: 0.5,
        description: 'Dropout on word embeddings while training (AttnGAN: 0.5).',
      },
    },
  },
  check: (cfg, needs) => {
    if (cfg.imageEncoder !== 'inception-v3') return undefined;
    if (!cfg.inceptionPath)
      return {
        key: 'inceptionPath',
        message: 'imageEncoder inception-v3 needs encoders.inceptionPath',
        hint: INCEPTION_HINT,
      };
    if (needs.bridge)
      return {
        key: 'imageEncoder',
        message:
          "the backbone bridges through the image encoder's inner layers, which scg can split only in imageEncoder cnn",
        hint: 'use encoders.imageEncoder: cnn with this backbone',
      };
    return undefined;
  },
  checkFiles: (cfg) => {
    if (cfg.imageEncoder === 'inception-v3') readModelFiles(cfg.inceptionPath!, 'encoders.inceptionPath');
  },
  build: async (cfg, {vocabSize, params}) => {
    const embedDim = cfg.embedDim;
    const text = new TextEncoder(params.scope('text'), {
      vocabSize,
      wordDim: cfg.wordDim,
      embedDim,
      dropout: cfg.dropout,
    });
    const shared: Omit<EncoderPair, 'encodeImage'> = {
      embedDim,
      encodeText: (tokens, mask, seed, rows) => text.encode(tokens, mask, seed, rows),
      textVariableNames: () => [...params.variables.keys()].filter((n) => n.includes('/text/')),
    };
    if (cfg.imageEncoder === 'inception-v3') {
      const trunk = await loadInceptionTrunk({
        path: cfg.inceptionPath!,
        regionLayer: cfg.inceptionRegionLayer,
        poolLayer: cfg.inceptionPoolLayer,
      });
      const image = new InceptionImageEncoder(params.scope('image'), trunk, embedDim);
      return {
        ...shared,
        encodeImage: (images) => image.encode(images),
        frozenSha256: trunk.sha256,
        dispose: () => trunk.dispose(),
      };
    }
    const image = new ImageEncoder(params.scope('image'), {width: cfg.imageWidth, embedDim});
    return {
      ...shared,
      encodeImage: (images) => image.encode(images),
      imageLayers: {
        shapes: (res) => ({lower: [res / 2, 2 * cfg.imageWidth], upper: [res / 4, embedDim]}),
        lower: (x) => image.lower(x),
        upper: (h) => image.regionMap(image.middle(h)),
      },
    };
  },
});
