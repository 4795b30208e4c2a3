// What `scg data inspect` reports about a dataset: counts per split and class, captions per image, vocabulary,
// caption lengths, and the files that were left out.
import {tokenize} from '../text/vocabulary';
import type {Dataset, Split} from './dataset';
import type {DataProblem} from './problems';

export interface SplitStats {
  images: number;
  captionsPerImage: {min: number; max: number; mean: number};
  /** Images per class (single label) or images containing each category (label sets); by class name. */
  perClass: Record<string, number>;
  /** Label sets only: images whose set is empty. */
  emptyLabelSets?: number;
}

export interface InspectResult {
  dataset: string;
  labelKind: 'single' | 'multi';
  resolution: number;
  classes: number;
  vocabulary: number;
  maxWords: number;
  splits: {train: SplitStats; test: SplitStats};
  /** Words per caption (all splits) → number of captions, in buckets of 5 words: `1-5`, `6-10`, … */
  captionLengths: Record<string, number>;
  /** Captions longer than maxWords (truncated when tokenised). */
  truncated: number;
  skipped: DataProblem[];
}

function splitStats(ds: Dataset, split: Split): SplitStats {
  const counts = split.captions.map((c) => c.length);
  const perClass: Record<string, number> = Object.fromEntries(ds.classNames.map((n) => [n, 0]));
  let empty = 0;
  const clean = split.cleanLabels ?? split.labels ?? split.labelSets ?? [];
  for (const l of clean) {
    if (Array.isArray(l)) {
      if (l.length === 0) empty++;
      for (const c of l) perClass[ds.classNames[c]!]!++;
    } else perClass[ds.classNames[l]!]!++;
  }
  return {
    images: split.count,
    captionsPerImage: {
      min: Math.min(...counts),
      max: Math.max(...counts),
      mean: counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length),
    },
    perClass,
    ...(ds.labelKind === 'multi' ? {emptyLabelSets: empty} : {}),
  };
}

export function inspectDataset(ds: Dataset): InspectResult {
  const lengths: Record<string, number> = {};
  let truncated = 0;
  for (const split of [ds.train, ds.test]) {
    for (const caps of split.captions) {
      for (const c of caps) {
        const n = tokenize(c).length;
        const lo = Math.max(1, Math.floor((n - 1) / 5) * 5 + 1);
        const bucket = `${lo}-${lo + 4}`;
        lengths[bucket] = (lengths[bucket] ?? 0) + 1;
        if (n > ds.maxWords) truncated++;
      }
    }
  }
  const ordered = Object.fromEntries(
    Object.entries(lengths).sort((a, b) => Number(a[0].split('-')[0]) - Number(b[0].split('-')[0])),
  );
  return {
    dataset: ds.name,
    labelKind: ds.labelKind,
    resolution: ds.resolution,
    classes: ds.classNames.length,
    vocabulary: ds.vocab.size,
    maxWords: ds.maxWords,
    splits: {train: splitStats(ds, ds.train), test: splitStats(ds, ds.test)},
    captionLengths: ordered,
    truncated,
    skipped: ds.skipped ?? [],
  };
}
