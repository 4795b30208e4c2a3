// safetensors reading: half-precision tensors are widened to float32 exactly; bad dtypes are named.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, it} from 'node:test';
import {ScgError} from '../errors';
import {readSafetensors} from './safetensors';

/** A file with one tensor of raw 16-bit words. */
function halfFile(dtype: string, words: number[]): string {
  const header = JSON.stringify({x: {dtype, shape: [words.length], data_offsets: [0, 2 * words.length]}});
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(header.length));
  const body = Buffer.alloc(2 * words.length);
  words.forEach((w, i) => body.writeUInt16LE(w, 2 * i));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-st-')), 'w.safetensors');
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header), body]));
  return file;
}

describe('readSafetensors', () => {
  it('widens F16 (normal, subnormal, infinite) and BF16 to float32', () => {
    const f16 = readSafetensors(halfFile('F16', [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0xfc00, 0x0000]), 'w');
    assert.deepEqual(f16.tensors.get('x'), {
      dtype: 'F32',
      shape: [7],
      data: new Float32Array([1, -2, 0.5, 65504, 2 ** -24, -Infinity, 0]),
    });
    const bf16 = readSafetensors(halfFile('BF16', [0x3f80, 0xc040, 0x3e80]), 'w');
    assert.deepEqual(Array.from(bf16.tensors.get('x')!.data as Float32Array), [1, -3, 0.25]);
  });

  it('refuses other dtypes, naming the tensor', () => {
    assert.throws(
      () => readSafetensors(halfFile('I16', [1]), 'encoders.path'),
      (err) => err instanceof ScgError && /tensor x has dtype I16; scg reads F32, F16, BF16/.test(err.message),
    );
  });
});
