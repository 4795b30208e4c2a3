// The in-memory dataset every phase trains on: images, captions, token ids and labels, split into train/test.
import type {Vocabulary} from '../text/vocabulary';
import {resizeWhole} from './augment';
import type {DataProblem} from './problems';

export type LabelKind = 'single' | 'multi';

export interface Split {
  /** RGB bytes, `count × side × side × 3`, row-major; side is the resolution unless `augment` says otherwise. */
  images: Uint8Array;
  count: number;
  /**
   * An augmented train split (`dataset.augment`): its images are held at `side` (76/64 of the resolution), and
   * training batches take random `crop`² crops with flips (data/augment.ts).
   */
  augment?: {side: number; crop: number};
  /** Raw captions per image. */
  captions: string[][];
  /** Token ids per caption, truncated to the dataset's `maxWords`. */
  tokens: number[][][];
  /** Single-label datasets: one class per image (after label noise, for train). */
  labels?: number[];
  /** Multi-label datasets: the categories of each image (after label noise, for train). */
  labelSets?: number[][];
  /** The labels before noise was applied (equal to the labels when labelNoise is 0). */
  cleanLabels?: number[] | number[][];
}

export interface Dataset {
  name: string;
  resolution: number;
  labelKind: LabelKind;
  /** Class names (single) or category names (multi). */
  classNames: string[];
  maxWords: number;
  vocab: Vocabulary;
  train: Split;
  test: Split;
  /** Items a real-dataset loader left out under `skipBad` (missing, corrupt, unlabelled, short of captions). */
  skipped?: DataProblem[];
  /**
   * Single-label data whose classes combine factors (shapes: shape × colour): per factor name, each class's value
   * of that factor. Evaluation stores `<factor>_acc` for each.
   */
  labelFactors?: Record<string, number[]>;
}

/** Fills `split.tokens` from its captions with the given vocabulary. */
export function tokenizeSplit(split: Split, vocab: Vocabulary, maxWords: number): void {
  split.tokens = split.captions.map((caps) => caps.map((c) => vocab.encode(c, maxWords).ids));
}

/** Multi-hot rows (`count × classes`) of the given label sets. */
export function multiHot(labelSets: readonly number[][], classes: number): number[][] {
  return labelSets.map((set) => {
    const row = new Array<number>(classes).fill(0);
    for (const c of set) row[c] = 1;
    return row;
  });
}

/** Image `i` of a split as `res`² RGB bytes: as stored, or (an augmented split) the whole stored image resized. */
export function plainImage(split: Split, i: number, res: number): Uint8Array {
  const side = split.augment?.side ?? res;
  const stored = side * side * 3;
  const src = split.images.subarray(i * stored, (i + 1) * stored);
  if (side === res) return src;
  const out = new Uint8Array(res * res * 3);
  resizeWhole(src, side, res, out, 0, (v) => Math.round(v));
  return out;
}
