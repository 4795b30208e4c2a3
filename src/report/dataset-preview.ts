// A captioned grid of dataset images (label in brackets, then the first caption), for `scg data preview` and `inspect`.
import {type Dataset, plainImage} from '../data/dataset';
import {writeImageGrid} from '../core/image-grid';

export async function writeDatasetPreview(
  ds: Dataset,
  which: 'train' | 'test',
  n: number,
  out: string,
): Promise<{images: number; width: number; height: number}> {
  const split = which === 'test' ? ds.test : ds.train;
  const cells = Array.from({length: Math.min(n, split.count)}, (_, i) => {
    const label =
      ds.labelKind === 'single'
        ? ds.classNames[split.labels![i]!]
        : split.labelSets![i]!.map((c) => ds.classNames[c]).join(', ');
    return {rgb: plainImage(split, i, ds.resolution), caption: `[${label}] ${split.captions[i]![0]}`};
  });
  const size = await writeImageGrid(out, cells, {
    res: ds.resolution,
    cellSize: Math.max(96, ds.resolution),
    title: `${ds.name} (${which}, ${split.count} images, vocabulary ${ds.vocab.size})`,
  });
  return {images: cells.length, ...size};
}
