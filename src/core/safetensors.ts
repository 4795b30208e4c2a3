// Reads and writes safetensors files (a little-endian u64 header length, a JSON header, one raw byte buffer).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import {ScgError} from '../errors';

/** One tensor of a safetensors file; `data` is a copy, aligned for its typed array. */
export interface NamedTensor {
  dtype: 'F32' | 'I64';
  shape: number[];
  data: Float32Array | BigInt64Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
  sha256: string;
}

const BYTES: Record<string, number> = {F32: 4, I64: 8, F16: 2, BF16: 2};

/** Half-precision values (IEEE binary16, or bfloat16) widened to float32. */
function widen(bytes: Uint8Array, dtype: 'F16' | 'BF16'): Float32Array {
  const half = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const out = new Float32Array(half.length);
  if (dtype === 'BF16') {
    new Uint32Array(out.buffer).set(Array.from(half, (h) => h << 16));
    return out;
  }
  for (let i = 0; i < half.length; i++) {
    const h = half[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] =
      exp === 0
        ? sign * 2 ** -14 * (frac / 1024)
        : exp === 31
          ? frac
            ? Number.NaN
            : sign * Infinity
          : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** Reads every tensor of a file; anything malformed is BAD_INPUT naming the file (`what` says which setting). */
export function readSafetensors(file: string, what: string): SafetensorsFile {
  const hint = 'the file must be a safetensors file (scripts/convert-pt-inception.py writes one)';
  if (!fs.existsSync(file)) throw new ScgError('BAD_INPUT', `${what}: ${file} does not exist`, {hint});
  const buf = fs.readFileSync(file);
  const bad = (why: string) => new ScgError('BAD_INPUT', `${what}: ${file} is not a safetensors file (${why})`, {hint});
  if (buf.length < 8) throw bad('shorter than its 8-byte header length');
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > buf.length) throw bad(`header length ${headerLength} is out of range`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(`its header is not JSON: ${(err as Error).message}`);
  }
  const body = buf.subarray(8 + headerLength);
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as {dtype?: string; shape?: number[]; data_offsets?: [number, number]};
    if (e.dtype === undefined || !(e.dtype in BYTES))
      throw new ScgError(
        'BAD_INPUT',
        `${what}: ${file}: tensor ${name} has dtype ${e.dtype}; scg reads F32, F16, BF16 (widened to F32) and I64`,
        {hint: 'write the weights as float32 (scripts/convert-pt-inception.py does)'},
      );
    const [begin, end] = e.data_offsets ?? [-1, -1];
    const count = (e.shape ?? []).reduce((a, b) => a * b, 1);
    if (!Array.isArray(e.shape) || begin < 0 || end > body.length || end - begin !== count * BYTES[e.dtype]!)
      throw bad(`tensor ${name}'s offsets do not match its shape`);
    const bytes = new Uint8Array(body.subarray(begin, end)); // copy: aligned and independent of the file buffer
    if (e.dtype === 'F16' || e.dtype === 'BF16')
      tensors.set(name, {dtype: 'F32', shape: e.shape, data: widen(bytes, e.dtype)});
    else {
      const data = e.dtype === 'F32' ? new Float32Array(bytes.buffer) : new BigInt64Array(bytes.buffer);
      tensors.set(name, {dtype: e.dtype as NamedTensor['dtype'], shape: e.shape, data});
    }
  }
  return {tensors, metadata, sha256: crypto.createHash('sha256').update(buf).digest('hex')};
}

/** Serialises tensors in the given order (offsets follow it), with optional string metadata. */
export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? {__metadata__: metadata} : {};
  let offset = 0;
  const parts: Buffer[] = [];
  for (const [name, t] of tensors) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = {dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length]};
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the format pads the header with spaces to 8 bytes
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json), ...parts]);
}
