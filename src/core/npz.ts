// numpy's .npz archives (a zip of .npy arrays, read and written with fflate) holding float arrays: FID
// statistics as pytorch-fid's --save-stats writes them and DF-GAN / GALIP ship them.
import * as fs from 'node:fs';
import {unzipSync, zipSync} from 'fflate';
import {ScgError} from '../errors';
import {writeFileAtomic} from './atomic-write';

/** A float array in C order, kept (or widened) as float64. */
export interface NpyArray {
  shape: number[];
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses one .npy file of little-endian float32/float64 in C order; `where` names it in errors. */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  const bad = (why: string) =>
    new ScgError('BAD_INPUT', `${where}: ${why}`, {hint: 'statistics must be float arrays saved by numpy (np.savez)'});
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw bad('not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [headerLength, start] = major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`unreadable header ${header}`);
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = descr === '<f8' ? 8 : descr === '<f4' ? 4 : 0;
  if (width === 0) throw bad(`dtype ${descr} is not little-endian float32 or float64`);
  const body = start + headerLength;
  if (bytes.length - body !== count * width)
    throw bad(`holds ${bytes.length - body} data bytes, shape [${shape}] needs ${count * width}`);
  const copy = new Uint8Array(bytes.subarray(body)); // a copy (Buffer.slice would be a view), aligned
  const data = width === 8 ? new Float64Array(copy.buffer) : Float64Array.from(new Float32Array(copy.buffer));
  return {shape, data};
}

/** A .npy file (format 1.0, header padded so the data starts on a 64-byte boundary) of float64 values. */
export function formatNpy(a: NpyArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), 10 + header.length);
  return out;
}

/** Every array of an .npz file, by name without `.npy`. */
export function readNpz(file: string): Map<string, NpyArray> {
  if (!fs.existsSync(file)) throw new ScgError('NOT_FOUND', `${file} does not exist`);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(fs.readFileSync(file));
  } catch (err) {
    throw new ScgError('BAD_INPUT', `${file} is not an .npz (zip) archive: ${(err as Error).message}`, {
      hint: 'pass statistics saved with np.savez (or scg fid --save-stats), or an image folder',
    });
  }
  const out = new Map<string, NpyArray>();
  for (const [name, bytes] of Object.entries(entries))
    if (name.endsWith('.npy')) out.set(name.slice(0, -4), parseNpy(bytes, `${file}: ${name}`));
  return out;
}

/** Writes arrays as an uncompressed .npz (what np.savez writes), atomically. */
export function writeNpz(file: string, arrays: Record<string, NpyArray>): void {
  const entries = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, formatNpy(v)]));
  writeFileAtomic(file, Buffer.from(zipSync(entries, {level: 0})));
}
