// The `damsm` encoders entry: AttnGAN's BiLSTM text encoder with a CNN image encoder (see image-encoder.ts).
import {defineTrainedEncoders} from '../descriptor';
import {ImageEncoder} from './image-encoder';
import {TextEncoder} from './text-encoder';

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
      imageWidth: {
        type: 'integer',
        minimum: 2,
        default: 32,
        description: "Channels of the image CNN's first conv, doubled at each of 3 downsamplings.",
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
  build: (cfg, {vocabSize, params}) => {
    const embedDim = cfg.embedDim;
    const text = new TextEncoder(params.scope('text'), {
      vocabSize,
      wordDim: cfg.wordDim,
      embedDim,
      dropout: cfg.dropout,
    });
    const image = new ImageEncoder(params.scope('image'), {width: cfg.imageWidth, embedDim});
    return {
      embedDim,
      encodeText: (tokens, mask, seed, rows) => text.encode(tokens, mask, seed, rows),
      encodeImage: (images) => image.encode(images),
      textVariableNames: () => [...params.variables.keys()].filter((n) => n.includes('/text/')),
      imageLayers: {
        shapes: (res) => ({lower: [res / 2, 2 * cfg.imageWidth], upper: [res / 4, embedDim]}),
        lower: (x) => image.lower(x),
        upper: (h) => image.regionMap(image.middle(h)),
      },
    };
  },
});
