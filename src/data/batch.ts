// Two-branch batches: each image with two different captions, its labels, and the same-class pair mask.
import * as tf from '@tensorflow/tfjs';
import type {Rng} from '../core/rng';
import {cropView, drawViews, resizeWhole, type View} from './augment';
import {type Dataset, multiHot, type Split} from './dataset';

/** The labels of one batch, in whichever form the dataset has. */
export interface BatchLabels {
  labels?: number[];
  multiHot?: number[][];
}

export interface BatchSelection {
  indices: number[];
  /** Caption index of branch 1 and branch 2 per image; always different. */
  captions: [number[], number[]];
  /** Random crop and flip per image, drawn when the split is augmented. */
  views?: View[];
}

export interface Batch {
  images: tf.Tensor4D;
  tokens: [tf.Tensor2D, tf.Tensor2D];
  masks: [tf.Tensor2D, tf.Tensor2D];
  labels: BatchLabels;
  /** true where j ≠ i share the class (single) or the whole label set (multi): not negatives for DAMSM. */
  sameClass: boolean[][];
}

/** `batchSize` distinct images and two different captions each, from a per-step random stream. */
export function selectBatch(split: Split, batchSize: number, rng: Rng): BatchSelection {
  const n = split.count;
  const chosen = new Set<number>();
  const indices: number[] = [];
  while (indices.length < batchSize) {
    const i = rng.int(n);
    if (chosen.has(i) && chosen.size < n) continue;
    chosen.add(i);
    indices.push(i);
  }
  const c1: number[] = [];
  const c2: number[] = [];
  for (const i of indices) {
    const k = split.captions[i]!.length;
    const a = rng.int(k);
    c1.push(a);
    c2.push((a + 1 + rng.int(k - 1)) % k);
  }
  const aug = split.augment;
  if (!aug) return {indices, captions: [c1, c2]};
  return {indices, captions: [c1, c2], views: drawViews(rng, indices.length, aug.side, aug.crop)};
}

/** The images `[start, end)` of a selection with their captions: one thread's rows of a data-parallel batch. */
export function sliceSelection(sel: BatchSelection, start: number, end: number): BatchSelection {
  const out: BatchSelection = {
    indices: sel.indices.slice(start, end),
    captions: sel.captions.map((c) => c.slice(start, end)) as [number[], number[]],
  };
  if (sel.views) out.views = sel.views.slice(start, end);
  return out;
}

const toUnit = (byte: number) => byte / 127.5 - 1;

/**
 * Images as a `[n, res, res, 3]` float tensor in [-1, 1]. From an augmented split: the given `views` (random
 * crops and flips, for training), else each whole stored image resized to `res`.
 */
export function imagesTensor(
  split: Split,
  indices: readonly number[],
  res: number,
  views?: readonly View[],
): tf.Tensor4D {
  const px = res * res * 3;
  const out = new Float32Array(indices.length * px);
  const side = split.augment?.side ?? res;
  const stored = side * side * 3;
  indices.forEach((idx, k) => {
    const src = split.images.subarray(idx * stored, (idx + 1) * stored);
    const view = views?.[k];
    if (side === res) for (let p = 0; p < px; p++) out[k * px + p] = toUnit(src[p]!);
    else if (view) cropView(src, side, res, view, out, k * px, toUnit);
    else resizeWhole(src, side, res, out, k * px, toUnit);
  });
  return tf.tensor4d(out, [indices.length, res, res, 3]);
}

/** Padded token ids `[n, maxWords]` (int32) and the matching 0/1 mask. */
export function tokenTensors(
  captions: readonly number[][],
  maxWords: number,
): {tokens: tf.Tensor2D; mask: tf.Tensor2D} {
  const ids = new Int32Array(captions.length * maxWords);
  const mask = new Float32Array(captions.length * maxWords);
  captions.forEach((c, k) => {
    c.slice(0, maxWords).forEach((id, t) => {
      ids[k * maxWords + t] = id;
      mask[k * maxWords + t] = 1;
    });
  });
  return {
    tokens: tf.tensor2d(ids, [captions.length, maxWords], 'int32'),
    mask: tf.tensor2d(mask, [captions.length, maxWords]),
  };
}

/** Labels of the selected images in the form the contrastive modes take. */
export function batchLabels(ds: Dataset, split: Split, indices: readonly number[]): BatchLabels {
  if (ds.labelKind === 'single') return {labels: indices.map((i) => split.labels![i]!)};
  return {
    multiHot: multiHot(
      indices.map((i) => split.labelSets![i]!),
      ds.classNames.length,
    ),
  };
}

/** The pairs DAMSM leaves out of the negatives under `dataset.damsmMask`: same-label pairs, or none. */
export function damsmMask(labels: BatchLabels, mode: unknown): boolean[][] {
  const mask = sameClassMask(labels);
  return mode === 'none' ? mask.map((row) => row.map(() => false)) : mask;
}

/** Same-class pair mask (diagonal false). */
export function sameClassMask(labels: BatchLabels): boolean[][] {
  const keys = labels.labels ? labels.labels.map(String) : labels.multiHot!.map((r) => r.join(''));
  return keys.map((a, i) => keys.map((b, j) => i !== j && a === b));
}

/** Builds the tensors of a selection. The caller disposes them (or builds inside tf.tidy). */
export function makeBatch(ds: Dataset, split: Split, sel: BatchSelection): Batch {
  const [t1, t2] = sel.captions.map((caps) =>
    tokenTensors(
      sel.indices.map((i, k) => split.tokens[i]![caps[k]!]!),
      ds.maxWords,
    ),
  );
  const labels = batchLabels(ds, split, sel.indices);
  return {
    images: imagesTensor(split, sel.indices, ds.resolution, sel.views),
    tokens: [t1!.tokens, t2!.tokens],
    masks: [t1!.mask, t2!.mask],
    labels,
    sameClass: sameClassMask(labels),
  };
}
