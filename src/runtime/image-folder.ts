// The images of a folder tree, found recursively as pytorch-fid finds them, decoded batch by batch at their own
// size to RGB bytes (so thousands of images never sit in memory at once).
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import {ScgError} from '../errors';

/** The extensions read (case-insensitive): pytorch-fid's list less the formats sharp cannot decode (bmp, pgm, ppm). */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff'] as const;

export interface DecodedImage {
  file: string;
  width: number;
  height: number;
  /** RGB bytes, row-major, `height × width × 3`. */
  rgb: Uint8Array;
}

/** Image files under `folder`, sorted by path; a missing folder or one without images is BAD_INPUT. */
export function listImages(folder: string): string[] {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory())
    throw new ScgError('BAD_INPUT', `${folder} is not a folder`, {
      hint: 'pass a folder of images (searched recursively) or an .npz statistics file',
    });
  const ext = new Set<string>(IMAGE_EXTENSIONS);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (ext.has(path.extname(e.name).slice(1).toLowerCase())) found.push(p);
    }
  };
  walk(folder);
  if (found.length === 0)
    throw new ScgError(
      'BAD_INPUT',
      `${folder} holds no images (looked recursively for ${IMAGE_EXTENSIONS.join(', ')})`,
      {
        hint: 'point it at the folder the images were written to (scg sample, or your own generator)',
      },
    );
  return found;
}

/** Decodes one file to RGB at its own size (grey and alpha become RGB, as PIL's convert('RGB') does). */
export async function decodeRgb(file: string): Promise<DecodedImage> {
  const {data, info} = await sharp(file, {failOn: 'error'})
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({resolveWithObject: true});
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return {file, width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length)};
}

export interface BatchOptions {
  batch: number;
  /** Leave out files that do not decode (each is reported through `warn`) instead of failing. */
  skipBad: boolean;
  warn(line: string): void;
}

/**
 * Decoded images in batches of `batch` (the last may be shorter; with skipBad, batches shrink by the files left
 * out). The next batch decodes while the caller works on this one.
 */
export async function* imageBatches(
  files: readonly string[],
  opts: BatchOptions,
): AsyncGenerator<{images: DecodedImage[]; done: number}> {
  const decodeBatch = async (from: number) => {
    const part = files.slice(from, from + opts.batch);
    const settled = await Promise.allSettled(part.map(decodeRgb));
    const images: DecodedImage[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') return images.push(s.value);
      const why = (s.reason as Error).message.split('\n')[0];
      if (!opts.skipBad)
        throw new ScgError('BAD_INPUT', `${part[i]} is not a readable image (${why})`, {
          hint: 'remove or replace it, or pass --skip-bad to leave unreadable files out',
        });
      opts.warn(`skipped ${part[i]}: not a readable image (${why})`);
    });
    return {images, done: Math.min(files.length, from + opts.batch)};
  };
  let next = decodeBatch(0);
  for (let from = 0; from < files.length; from += opts.batch) {
    const current = await next;
    if (from + opts.batch < files.length) {
      next = decodeBatch(from + opts.batch);
      next.catch(() => {}); // a failure is rethrown when this batch is awaited, not reported as unhandled first
    }
    yield current;
  }
}
