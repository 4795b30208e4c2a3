// The check that a dataset's decoded images fit in memory before they are allocated: the schema allows sizes
// and resolutions whose product no machine holds, and a typed array past its limit dies with a raw RangeError.
import * as os from 'node:os';
import {constants} from 'node:buffer';
import {ScgError} from '../errors';

/** Decoded images may take at most this share of the machine's memory (the rest is for models and batches). */
export const DATASET_MEMORY_SHARE = 0.5;

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/**
 * Throws a BAD_INPUT error (naming `path`, the config keys that set the size) when `images` images of
 * `resolution`² RGB bytes (`extraBytes` more: an augmented train split's larger copies) exceed half this
 * machine's memory or the largest array Node can allocate.
 */
export function checkImageMemory(
  what: string,
  images: number,
  resolution: number,
  path: string,
  totalMemory = os.totalmem(),
  extraBytes = 0,
): void {
  const bytes = images * resolution * resolution * 3 + extraBytes;
  const budget = Math.min(totalMemory * DATASET_MEMORY_SHARE, constants.MAX_LENGTH);
  if (bytes <= budget) return;
  const limit =
    budget === constants.MAX_LENGTH
      ? `the largest array Node can allocate (${gb(constants.MAX_LENGTH)})`
      : `half of this machine's ${gb(totalMemory)}`;
  throw new ScgError(
    'BAD_INPUT',
    `${path}: ${what}: ${images} images at ${resolution}×${resolution} need ${gb(bytes)} in memory once decoded, more than ${limit}`,
    {
      hint: `lower ${path.split(', ').join(' or ')}`,
    },
  );
}
