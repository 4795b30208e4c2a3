// Turns the items a real-dataset loader (CUB, COCO) read from its folder into a Dataset: decode with sharp (with a
// progress bar), cache the decoded splits on disk by a hash of the sources and settings, add labels, noise and vocabulary.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {SingleBar} from 'cli-progress';
import {ScgError} from '../errors';
import {checkImageMemory} from './memory-budget';
import {writeFileAtomic} from '../core/atomic-write';
import {canonicalJson} from '../core/identity';
import {assembleDataset, type RawSplit} from './assemble';
import {augmentSide} from './augment';
import type {Dataset, LabelKind} from './dataset';
import {type Box, decodeImage} from './image-file';
import type {DataProblem, Problems} from './problems';

export interface SourceItem {
  /** Where the item is declared, for messages: `images.txt:12` or `captions_train2014.json images[3]`. */
  where: string;
  /** Image path relative to the dataset root. */
  file: string;
  box?: Box | undefined;
  captions: string[];
  /** Class index (single) or category indices (multi). */
  label: number | number[];
}

export interface SourceSplits {
  train: SourceItem[];
  test: SourceItem[];
  classNames: string[];
  labelKind: LabelKind;
}

export interface RealBuildOptions {
  /** Dataset entry name (cub, coco): names the cache file. */
  name: string;
  root: string;
  resolution: number;
  maxWords: number;
  labelNoise: number;
  seed: number;
  cacheDir: string;
  /** Settings that change the decoded images (crop, split rule, ...), part of the cache key. */
  settings: Record<string, unknown>;
  /** `dataset.augment`: hold the train split at 76/64 of the resolution for random crops and flips. */
  augment: boolean;
  problems: Problems;
  log?: ((line: string) => void) | undefined;
  quiet?: boolean | undefined;
}

/** Where decoded datasets are cached when `dataset.cacheDir` is not set. */
export function defaultDatasetCache(): string {
  return process.env['SCG_DATA_CACHE'] ?? path.join(os.homedir(), '.cache', 'scg', 'datasets');
}

const MAGIC = Buffer.from('SCGDATA1');
const CACHE_VERSION = 1;

interface CachedSplit {
  count: number;
  files: string[];
  captions: string[][];
  labels: (number | number[])[];
}

interface CacheHeader {
  version: number;
  key: string;
  resolution: number;
  /** Side of the train images when augmented (absent: the resolution). */
  trainSide?: number;
  train: CachedSplit;
  test: CachedSplit;
  skipped: DataProblem[];
}

/** Stats every listed image: missing ones are problems (left out with skipBad); returns the present items and a key part. */
function present(items: SourceItem[], root: string, problems: Problems): {items: SourceItem[]; stamp: string[]} {
  const kept: SourceItem[] = [];
  const stamp: string[] = [];
  for (const item of items) {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(root, item.file));
    } catch {
      problems.image(item.where, `${item.file} is listed but does not exist`);
      continue;
    }
    kept.push(item);
    stamp.push(`${item.file}|${st.size}|${st.mtimeMs}`);
  }
  return {items: kept, stamp};
}

function readCache(
  file: string,
  key: string,
  resolution: number,
  trainSide: number,
): {header: CacheHeader; train: Uint8Array; test: Uint8Array} | string {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return 'absent';
  }
  if (data.length < 12 || !data.subarray(0, 8).equals(MAGIC)) return 'not an scg dataset cache';
  const len = data.readUInt32LE(8);
  let header: CacheHeader;
  try {
    header = JSON.parse(data.subarray(12, 12 + len).toString('utf8')) as CacheHeader;
  } catch {
    return 'unreadable header';
  }
  if (
    header.version !== CACHE_VERSION ||
    header.key !== key ||
    header.resolution !== resolution ||
    (header.trainSide ?? resolution) !== trainSide
  )
    return 'made from other sources or settings';
  const trainBytes = header.train.count * trainSide * trainSide * 3;
  const testBytes = header.test.count * resolution * resolution * 3;
  if (data.length !== 12 + len + trainBytes + testBytes)
    return `truncated (${data.length} bytes, expected ${12 + len + trainBytes + testBytes})`;
  const start = 12 + len;
  return {
    header,
    train: new Uint8Array(data.buffer, data.byteOffset + start, trainBytes),
    test: new Uint8Array(data.buffer, data.byteOffset + start + trainBytes, testBytes),
  };
}

function progressBar(label: string, total: number, quiet: boolean) {
  const stream = process.stderr;
  if (quiet) return {tick() {}, stop() {}};
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${label} [{bar}] {value}/{total} images | eta {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
    });
    bar.start(total, 0);
    return {tick: () => bar.increment(), stop: () => bar.stop()};
  }
  let done = 0;
  let next = 0.25;
  stream.write(`${label}: ${total} images\n`);
  return {
    tick() {
      done++;
      if (done / total >= next) {
        stream.write(`${label}: ${done}/${total}\n`);
        next += 0.25;
      }
    },
    stop() {},
  };
}

async function decodeSplit(
  items: SourceItem[],
  opts: RealBuildOptions,
  label: string,
  side: number,
): Promise<{images: Uint8Array; kept: SourceItem[]}> {
  const px = side * side * 3;
  const decoded: (Uint8Array | undefined)[] = new Array(items.length);
  const bar = progressBar(label, items.length, Boolean(opts.quiet));
  const CONCURRENCY = 8;
  let nextIndex = 0;
  const errors: {i: number; message: string}[] = [];
  const worker = async () => {
    for (;;) {
      const i = nextIndex++;
      if (i >= items.length) return;
      try {
        decoded[i] = await decodeImage(path.join(opts.root, items[i]!.file), side, items[i]!.box);
      } catch (err) {
        errors.push({i, message: (err as Error).message.split('\n')[0]!});
      }
      bar.tick();
    }
  };
  try {
    await Promise.all(Array.from({length: CONCURRENCY}, worker));
  } finally {
    bar.stop();
  }
  for (const e of errors.sort((a, b) => a.i - b.i))
    opts.problems.image(`${items[e.i]!.file} (${items[e.i]!.where})`, `cannot decode the image: ${e.message}`);
  const keep = items.map((_, i) => decoded[i] !== undefined);
  const kept = items.filter((_, i) => keep[i]);
  const images = new Uint8Array(kept.length * px);
  let k = 0;
  decoded.forEach((d) => {
    if (d) images.set(d, px * k++);
  });
  return {images, kept};
}

/** Decodes (or loads from the cache) both splits and assembles the Dataset. */
export async function buildRealDataset(src: SourceSplits, opts: RealBuildOptions): Promise<Dataset> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const train = present(src.train, opts.root, opts.problems);
  const test = present(src.test, opts.root, opts.problems);
  if (train.items.length < 2)
    opts.problems.fatal('train split', `has ${train.items.length} usable images; training needs at least 2`);
  if (test.items.length < 1) opts.problems.fatal('test split', 'has no usable images; evaluation needs at least 1');
  const trainSide = opts.augment ? augmentSide(opts.resolution) : opts.resolution;
  checkImageMemory(
    `dataset '${opts.name}' in ${opts.root}${opts.augment ? ` (train images at ${trainSide}×${trainSide} for augmentation)` : ''}`,
    train.items.length + test.items.length,
    opts.resolution,
    opts.augment ? 'dataset.resolution, dataset.augment' : 'dataset.resolution',
    undefined,
    train.items.length * 3 * (trainSide * trainSide - opts.resolution * opts.resolution),
  );
  const itemKey = (it: SourceItem) => [
    it.file,
    it.box ? [it.box.x, it.box.y, it.box.width, it.box.height] : null,
    it.captions,
    it.label,
  ];
  const key = crypto
    .createHash('sha256')
    .update(
      canonicalJson({
        version: CACHE_VERSION,
        name: opts.name,
        root: path.resolve(opts.root),
        resolution: opts.resolution,
        settings: opts.settings,
        // absent unless augmenting, so the caches of un-augmented datasets keep their keys
        ...(opts.augment ? {trainSide} : {}),
        train: train.items.map(itemKey),
        test: test.items.map(itemKey),
        stamps: [train.stamp, test.stamp],
      }),
    )
    .digest('hex')
    .slice(0, 20);
  const sizes = opts.augment ? `${opts.resolution}px-train${trainSide}px` : `${opts.resolution}px`;
  const cacheFile = path.join(opts.cacheDir, `${opts.name}-${sizes}-${key}.bin`);
  const cached = readCache(cacheFile, key, opts.resolution, trainSide);
  let header: CacheHeader;
  let trainImages: Uint8Array;
  let testImages: Uint8Array;
  if (typeof cached !== 'string') {
    ({header} = cached);
    trainImages = cached.train;
    testImages = cached.test;
    for (const p of header.skipped) opts.problems.image(p.where, p.message);
    log(`dataset ${opts.name}: decoded images from the cache ${cacheFile}`);
  } else {
    if (cached !== 'absent') log(`dataset ${opts.name}: the cache ${cacheFile} is ${cached}; rebuilding it`);
    const before = opts.problems.skipped.length;
    const tr = await decodeSplit(train.items, opts, `dataset ${opts.name}: decoding train`, trainSide);
    const te = await decodeSplit(test.items, opts, `dataset ${opts.name}: decoding test`, opts.resolution);
    const cachedSplit = (items: SourceItem[]): CachedSplit => ({
      count: items.length,
      files: items.map((i) => i.file),
      captions: items.map((i) => i.captions),
      labels: items.map((i) => i.label),
    });
    header = {
      version: CACHE_VERSION,
      key,
      resolution: opts.resolution,
      ...(opts.augment ? {trainSide} : {}),
      train: cachedSplit(tr.kept),
      test: cachedSplit(te.kept),
      skipped: opts.problems.skipped.slice(before),
    };
    trainImages = tr.images;
    testImages = te.images;
    if (header.train.count < 2 || header.test.count < 1)
      opts.problems.fatal('images', `too few images decode (train ${header.train.count}, test ${header.test.count})`);
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(json.length);
    try {
      writeFileAtomic(
        cacheFile,
        Buffer.concat([
          MAGIC,
          len,
          json,
          Buffer.from(trainImages.buffer, trainImages.byteOffset, trainImages.byteLength),
          Buffer.from(testImages.buffer, testImages.byteOffset, testImages.byteLength),
        ]),
      );
      log(`dataset ${opts.name}: cached the decoded images in ${cacheFile}`);
    } catch (err) {
      log(
        `dataset ${opts.name}: could not write the cache ${cacheFile} (${(err as Error).message}); the next run decodes again`,
      );
    }
  }
  if (opts.problems.skipped.length)
    log(
      `dataset ${opts.name}: skipped ${opts.problems.skipped.length} bad item(s) (skipBad); scg data inspect lists them`,
    );
  const raw = (images: Uint8Array, c: CachedSplit): RawSplit => ({
    images,
    count: c.count,
    captions: c.captions,
    raw: c.labels,
  });
  const trainSplit = raw(trainImages, header.train);
  if (opts.augment) trainSplit.augment = {side: trainSide, crop: opts.resolution};
  return {
    ...assembleDataset(trainSplit, raw(testImages, header.test), {
      name: opts.name,
      resolution: opts.resolution,
      labelKind: src.labelKind,
      classNames: src.classNames,
      maxWords: opts.maxWords,
      seed: opts.seed,
      labelNoise: opts.labelNoise,
    }),
    skipped: opts.problems.skipped,
  };
}

/** The root folder, or a BAD_INPUT error saying it is missing. */
export function requireRoot(root: string, entry: string): string {
  if (!root)
    throw new ScgError('BAD_INPUT', `dataset.root is empty: dataset '${entry}' reads its files from a folder`, {
      hint: 'set dataset.root to the folder you downloaded',
    });
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new ScgError('BAD_INPUT', `dataset.root: ${root} does not exist or is not a folder (dataset '${entry}')`, {
      hint: 'paths are relative to the current directory; see the README section on datasets',
    });
  }
  return root;
}
