// The last step of every dataset builder: clean and noisy labels per split, the vocabulary from train captions, token ids.
import {Vocabulary} from '../text/vocabulary';
import {type Dataset, type LabelKind, type Split, tokenizeSplit} from './dataset';
import {noisyLabels, noisyLabelSets} from './label-noise';

/** A split whose labels are still raw: a class (single) or a category set (multi) per image. */
export type RawSplit = Omit<Split, 'tokens' | 'labels' | 'labelSets' | 'cleanLabels'> & {raw: (number | number[])[]};

export interface AssembleOptions {
  name: string;
  resolution: number;
  labelKind: LabelKind;
  classNames: string[];
  maxWords: number;
  /** Seed and fraction of the label noise; it touches the train split only. */
  seed: number;
  labelNoise: number;
}

export function assembleDataset(train: RawSplit, test: RawSplit, o: AssembleOptions): Dataset {
  const classes = o.classNames.length;
  const finish = ({raw, ...split}: RawSplit, isTrain: boolean): Split => {
    if (o.labelKind === 'single') {
      const clean = raw as number[];
      return {
        ...split,
        tokens: [],
        cleanLabels: clean,
        labels: isTrain ? noisyLabels(o.seed, clean, classes, o.labelNoise) : clean,
      };
    }
    const clean = raw as number[][];
    return {
      ...split,
      tokens: [],
      cleanLabels: clean,
      labelSets: isTrain ? noisyLabelSets(o.seed, clean, classes, o.labelNoise) : clean,
    };
  };
  const out: Dataset = {
    name: o.name,
    resolution: o.resolution,
    labelKind: o.labelKind,
    classNames: o.classNames,
    maxWords: o.maxWords,
    vocab: Vocabulary.build(train.captions.flat()),
    train: finish(train, true),
    test: finish(test, false),
  };
  tokenizeSplit(out.train, out.vocab, o.maxWords);
  tokenizeSplit(out.test, out.vocab, o.maxWords);
  return out;
}
