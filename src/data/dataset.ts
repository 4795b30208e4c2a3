// The in-memory dataset every phase trains on: images, captions, token ids and labels, split into train/test.
import type {Vocabulary} from '../text/vocabulary';
import type {DataProblem} from './problems';

export type LabelKind = 'single' | 'multi';

export interface Split {
  /** RGB bytes, `count × resolution × resolution × 3`, row-major. */
  images: Uint8Array;
  count: number;
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
