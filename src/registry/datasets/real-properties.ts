// Config keys shared by the datasets read from disk (cub, coco).
import type {JsonSchema} from '../registry';

export const realDatasetProperties: Record<string, JsonSchema> = {
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
};
