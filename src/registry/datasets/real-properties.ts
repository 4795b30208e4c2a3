// Config keys shared by the datasets read from disk (cub, coco).
import {defineProperties} from '../../core/json-schema';

export const realDatasetProperties = defineProperties({
  root: {
    type: 'string',
    description:
      'Folder of the dataset in its official layout (relative to the current directory, or absolute). Required.',
  },
  cacheDir: {
    type: 'string',
    default: '',
    description:
      'Where decoded images are cached, keyed by a hash of the files and settings. Empty: $SCG_DATA_CACHE or ~/.cache/scg/datasets.',
  },
  skipBad: {
    type: 'boolean',
    default: false,
    description:
      'Leave out images that are missing, corrupt, unlabelled or short of captions, with a warning and a count, instead of stopping.',
  },
  seed: {type: 'integer', minimum: 0, default: 0, description: 'Seed of the label noise.'},
  augment: {
    type: 'boolean',
    default: true,
    description:
      "Training images as the originals load them: the train split is held at 76/64 of the resolution (304 px for 256) and each batch takes a random resolution-sized crop, flipped left-right with probability 1/2, drawn from the step's seeded stream (so a resumed run draws the same). Test images and the builtin evaluator's training images are the whole image at the resolution. false: every image is the whole image, resized.",
  },
});
