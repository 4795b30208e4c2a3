// Problems found while reading a dataset folder: fatal ones throw at once; per-image ones throw too, or become
// warnings when `skipBad` is on (and are counted, listed by `scg data inspect`).
import {ScgError} from '../errors';

export interface DataProblem {
  /** The file (and line or entry) the problem is about: `images.txt:12`, `train2014/x.jpg`. */
  where: string;
  message: string;
}

export class Problems {
  readonly skipped: DataProblem[] = [];

  constructor(
    readonly root: string,
    readonly skipBad: boolean,
  ) {}

  /** A problem that makes the whole dataset unusable (a missing index file, malformed JSON). */
  fatal(where: string, message: string, hint?: string): never {
    throw new ScgError('BAD_INPUT', `dataset ${this.root}: ${where}: ${message}`, {
      hint: hint ?? 'see the README section on datasets for the layout scg expects',
    });
  }

  /** A problem with one image: fatal unless skipBad, in which case the image is left out. */
  image(where: string, message: string): void {
    if (!this.skipBad) {
      throw new ScgError('BAD_INPUT', `dataset ${this.root}: ${where}: ${message}`, {
        hint: 'fix or remove the file, or set dataset.skipBad: true (scg data inspect --skip-bad lists every such problem)',
      });
    }
    this.skipped.push({where, message});
  }
}
