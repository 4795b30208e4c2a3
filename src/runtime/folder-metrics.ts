// FID and IS of image folders (or FID statistics files) with the FID Inception, streamed batch by batch: what
// `scg fid` and `scg is` run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {GaussianAccumulator, type GaussianStats, readStatsNpz, writeStatsNpz} from '../metrics/feature-stats';
import {frechetDistanceFromStats} from '../metrics/frechet';
import {inceptionScore} from '../metrics/inception-score';
import {fidInceptionNetwork, toNetworkInput} from '../registry/evaluators/fid-inception/network';
import {
  defaultFidInceptionPath,
  disposeWeights,
  type FidInceptionWeights,
  loadFidInceptionWeights,
} from '../registry/evaluators/fid-inception/weights';
import {createProgress} from './progress';
import {type DecodedImage, imageBatches, listImages} from './image-folder';

export interface FolderOptions {
  batch: number;
  skipBad: boolean;
  warn(line: string): void;
  /** Called after each batch with images done (read or skipped) and the total. */
  progress(done: number, total: number): void;
}

/**
 * Images per forward pass within a batch: a 299-px Inception pass over 50 images moves ~3 GB of activations, and
 * on CPUs smaller passes keep them in cache (measured by `npm run bench -- fid`; the batch only sets how many
 * images are decoded at once, so results do not depend on it).
 */
const FORWARD_CHUNK = Number(process.env['SCG_FID_CHUNK'] ?? 10);

/** One decoded image as network input [1, 299, 299, 3]: bytes / 255, resized with half-pixel centres, 2x − 1. */
function networkInput(img: DecodedImage): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Float32Array.from(img.rgb), [1, img.height, img.width, 3]), 255) as tf.Tensor4D;
    return toNetworkInput(x);
  });
}

/** Runs the network over every image of `folder`; `onBatch` sees each batch's features and logits. */
export async function forEachFolderBatch(
  folder: string,
  weights: FidInceptionWeights,
  opts: FolderOptions,
  onBatch: (features: tf.Tensor2D, logits: tf.Tensor2D) => void,
): Promise<{images: number; skipped: number}> {
  const files = listImages(folder);
  let images = 0;
  for await (const b of imageBatches(files, opts)) {
    if (b.images.length > 0) {
      const {features, logits} = tf.tidy(() => {
        const parts = [];
        for (let i = 0; i < b.images.length; i += FORWARD_CHUNK)
          parts.push(fidInceptionNetwork(tf.concat(b.images.slice(i, i + FORWARD_CHUNK).map(networkInput)), weights));
        return {features: tf.concat(parts.map((p) => p.features)), logits: tf.concat(parts.map((p) => p.logits))};
      });
      onBatch(features, logits);
      tf.dispose([features, logits]);
      images += b.images.length;
    }
    opts.progress(b.done, files.length);
  }
  return {images, skipped: files.length - images};
}

export interface FolderStats extends GaussianStats {
  images: number;
  skipped: number;
}

/** Mean and covariance of a folder's 2048-d pool features. */
export async function folderStats(
  folder: string,
  weights: FidInceptionWeights,
  opts: FolderOptions,
): Promise<FolderStats> {
  const acc = new GaussianAccumulator();
  try {
    const counts = await forEachFolderBatch(folder, weights, opts, (f) => acc.add(f));
    if (counts.images < 2)
      throw new ScgError('BAD_INPUT', `${folder}: ${counts.images} readable image(s); FID statistics need at least 2`, {
        hint: 'FID compares distributions: use thousands of images (papers use 30,000 generated ones)',
      });
    return {...acc.stats(), ...counts};
  } finally {
    acc.dispose();
  }
}

/** FID between two statistics. */
export function fidOf(a: GaussianStats, b: GaussianStats): {fid: number; offset: number} {
  const r = frechetDistanceFromStats(a.mu, a.sigma, b.mu, b.sigma);
  return {fid: r.distance, offset: r.offset};
}

/** Inception Score of a folder: softmax of the 1008 logits, `splits` sequential splits. */
export async function folderInceptionScore(
  folder: string,
  weights: FidInceptionWeights,
  splits: number,
  opts: FolderOptions,
): Promise<{mean: number; std: number; images: number; skipped: number}> {
  const probs: Float32Array[] = [];
  const counts = await forEachFolderBatch(folder, weights, opts, (_, logits) => {
    const p = tf.tidy(() => tf.softmax(logits));
    const [n, c] = p.shape;
    const data = p.dataSync() as Float32Array;
    for (let i = 0; i < n; i++) probs.push(data.slice(i * c, (i + 1) * c));
    p.dispose();
  });
  return {...inceptionScore(probs, {splits}), ...counts};
}

export interface FolderRunOptions {
  /** The weights file (default: `defaultFidInceptionPath()`). */
  weights?: string | undefined;
  batch: number;
  skipBad: boolean;
  /** stderr lines (warnings, progress); silent with --json. */
  log(line: string): void;
  quiet: boolean;
}

/** Lazily loaded weights (an npz-only FID never loads them) and batch options with a progress reporter. */
function session(o: FolderRunOptions): {
  weights: () => FidInceptionWeights;
  folder: (name: string) => FolderOptions;
  sha256(): string | undefined;
  close(): void;
} {
  let w: FidInceptionWeights | undefined;
  const file = o.weights ?? defaultFidInceptionPath();
  return {
    weights: () => {
      if (!w) {
        if (!o.weights && !fs.existsSync(file))
          throw new ScgError('BAD_INPUT', `no FID Inception weights: ${file} does not exist`, {
            hint: 'run scripts/convert-pt-inception.py (it writes that file), or pass --weights (README: FID Inception weights)',
          });
        w = loadFidInceptionWeights(file, '--weights');
      }
      return w;
    },
    folder: (name) => {
      const progress = createProgress({quiet: o.quiet, mainLosses: []});
      const started = Date.now();
      let begun = false;
      return {
        batch: o.batch,
        skipBad: o.skipBad,
        warn: (l) => (o.quiet ? o.log(`warning: ${l}`) : progress.log(`warning: ${l}`)),
        progress: (done, total) => {
          if (!begun) progress.start(name, total, 0, o.batch * 20);
          begun = true;
          progress.update({
            step: done,
            losses: {},
            imagesPerSecond: done / Math.max(1e-3, (Date.now() - started) / 1000),
          });
          if (done === total) progress.stop();
        },
      };
    },
    sha256: () => w?.sha256,
    close: () => {
      if (w) disposeWeights(w);
    },
  };
}

export interface FidResult {
  /** Absent when only --save-stats was asked for (no B). */
  fid?: number;
  /** ε added to both covariances' diagonals when their product was near-singular (0 when not needed). */
  offset?: number;
  inputs: {path: string; images?: number | undefined; skipped?: number | undefined}[];
  weightsSha256?: string | undefined;
  savedStats?: string | undefined;
}

const isNpz = (input: string) => input.toLowerCase().endsWith('.npz');

/** FID of A against B (folders or .npz files); with `saveStats`, A's statistics are written there (B optional). */
export async function fidOfInputs(
  a: string,
  b: string | undefined,
  o: FolderRunOptions & {saveStats?: string | undefined},
): Promise<FidResult> {
  // Every input is checked before any work, so bad input writes nothing (not even --save-stats).
  const given = [a, ...(b === undefined ? [] : [b])];
  const npz = new Map(given.filter(isNpz).map((x) => [x, readStatsNpz(x)] as const));
  for (const x of given) if (!isNpz(x)) listImages(x);
  if (o.saveStats && !fs.existsSync(path.dirname(path.resolve(o.saveStats))))
    throw new ScgError('BAD_INPUT', `--save-stats: the folder of ${o.saveStats} does not exist`);
  const s = session(o);
  try {
    const stats = async (x: string) => npz.get(x) ?? (await folderStats(x, s.weights(), s.folder(x)));
    const sa = await stats(a);
    const sb = b === undefined ? undefined : await stats(b);
    if (sb && sa.mu.length !== sb.mu.length)
      throw new ScgError('BAD_INPUT', `${a} has ${sa.mu.length}-d statistics but ${b} has ${sb.mu.length}-d`, {
        hint: 'FID compares statistics of the same features: the FID Inception gives 2048-d pool features',
      });
    if (o.saveStats) writeStatsNpz(o.saveStats, sa);
    const inputs = [sa, sb]
      .map(
        (x, k) =>
          x && {
            path: given[k]!,
            images: (x as Partial<FolderStats>).images,
            skipped: (x as Partial<FolderStats>).skipped,
          },
      )
      .filter((x) => x !== undefined);
    return {
      ...(sb ? fidOf(sa, sb) : {}),
      inputs,
      weightsSha256: s.sha256(),
      savedStats: o.saveStats,
    };
  } finally {
    s.close();
  }
}

/** Inception Score of a folder with the FID Inception. */
export async function isOfFolder(
  folder: string,
  splits: number,
  o: FolderRunOptions,
): Promise<{mean: number; std: number; images: number; skipped: number; splits: number; weightsSha256: string}> {
  const files = listImages(folder);
  if (files.length < splits)
    throw new ScgError('BAD_INPUT', `${folder} holds ${files.length} images, fewer than --splits ${splits}`, {
      hint: 'use more images or fewer splits (papers: 30,000 images, 10 splits)',
    });
  const s = session(o);
  try {
    const r = await folderInceptionScore(folder, s.weights(), splits, s.folder(folder));
    return {...r, splits, weightsSha256: s.sha256()!};
  } finally {
    s.close();
  }
}
