// Reproducible label corruption: exactly round(fraction·n) training labels replaced by a different label.
import {Rng} from '../core/rng';

/**
 * Returns the indices to corrupt and a replacement chooser. The same (seed, n, fraction) always corrupts the
 * same samples, and each corrupted sample gets a label different from its clean one.
 */
export function corruptedIndices(seed: number, n: number, fraction: number): number[] {
  const count = Math.round(fraction * n);
  const rng = Rng.for(seed, 'label-noise', n);
  return rng
    .shuffle(Array.from({length: n}, (_, i) => i))
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Single labels with noise: each chosen index gets a uniformly random different class. */
export function noisyLabels(seed: number, labels: readonly number[], classes: number, fraction: number): number[] {
  const out = [...labels];
  const rng = Rng.for(seed, 'label-noise-values');
  for (const i of corruptedIndices(seed, labels.length, fraction))
    out[i] = (labels[i]! + 1 + rng.int(classes - 1)) % classes;
  return out;
}

/** Label sets with noise: each chosen index gets a random non-empty set different from its clean one. */
export function noisyLabelSets(seed: number, sets: readonly number[][], classes: number, fraction: number): number[][] {
  const out = sets.map((s) => [...s]);
  const rng = Rng.for(seed, 'label-noise-values');
  const key = (s: number[]) => [...s].sort((a, b) => a - b).join(',');
  for (const i of corruptedIndices(seed, sets.length, fraction)) {
    let next: number[];
    do {
      next = Array.from({length: classes}, (_, c) => c).filter(() => rng.next() < 0.5);
    } while (next.length === 0 || key(next) === key(sets[i]!));
    out[i] = next;
  }
  return out;
}
