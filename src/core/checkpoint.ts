// Checkpoint files: every named tensor plus a JSON header (phase, step, RNG keys, config hash), written
// atomically (temp file, fsync, rename) and verified by sha256 on load.
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {writeFileAtomic} from './atomic-write';
import {sha256} from './digest';

const MAGIC = Buffer.from('SCGCKPT1');

export interface CheckpointHeader {
  format: 'scg-checkpoint';
  version: 1;
  runId: string;
  configHash: string;
  phase: string;
  step: number;
  /** How the run's random streams are keyed; with the step it replays every later draw exactly. */
  rng: {seed: number; scheme: 'keyed-sfc32'};
  /** Phase-specific scalars (optimizer step counts, ...). */
  extra: Record<string, unknown>;
  tensors: {name: string; shape: number[]; offset: number; length: number}[];
}

export interface Checkpoint {
  header: CheckpointHeader;
  tensors: Map<string, {shape: number[]; values: Float32Array}>;
}

/** Writes tensors + header to `file` atomically; returns its sha256 and size. */
export function writeCheckpoint(
  file: string,
  header: Omit<CheckpointHeader, 'format' | 'version' | 'tensors'>,
  tensors: ReadonlyMap<string, tf.Tensor>,
): {sha256: string; bytes: number} {
  const entries: CheckpointHeader['tensors'] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const values = t.dataSync() as Float32Array;
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    entries.push({name, shape: t.shape, offset, length: values.length});
    chunks.push(Buffer.from(buf)); // copy: wasm heap views move when memory grows
    offset += buf.length;
  }
  return writeEncoded(file, {format: 'scg-checkpoint', version: 1, ...header, tensors: entries}, chunks);
}

/** The file: magic, header length, JSON header (padded so the float data starts 4-byte aligned), tensor bytes. */
function writeEncoded(
  file: string,
  full: CheckpointHeader,
  chunks: readonly Buffer[],
): {sha256: string; bytes: number} {
  let json = Buffer.from(JSON.stringify(full));
  const padding = (4 - ((MAGIC.length + 4 + json.length) % 4)) % 4;
  json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const data = Buffer.concat([MAGIC, len, json, ...chunks]);
  writeFileAtomic(file, data);
  return {sha256: sha256(data), bytes: data.length};
}

/**
 * Writes `ckpt` (read and verified from another run) to `file` as a checkpoint of run `runId` with config
 * `configHash`: the same tensors, phase, step and state, under the new owner.
 */
export function rewriteCheckpoint(
  ckpt: Checkpoint,
  file: string,
  owner: {runId: string; configHash: string},
): {sha256: string; bytes: number} {
  const chunks = ckpt.header.tensors.map((e) => {
    const v = ckpt.tensors.get(e.name)!.values;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  });
  return writeEncoded(file, {...ckpt.header, ...owner}, chunks);
}

const DAMAGED_HINT =
  '`scg run` of the same config resumes from the newest intact checkpoint instead; or re-run with --force to start over';

/** A checkpoint file that cannot be used as it is: missing, changed since it was written, or not a checkpoint. */
export class CheckpointDamagedError extends ScgError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('BAD_INPUT', `checkpoint ${file} ${reason}`, {hint: DAMAGED_HINT});
    this.name = 'CheckpointDamagedError';
  }
}

/** Reads and verifies a checkpoint: a missing file, a sha256 mismatch or a foreign format is a CheckpointDamagedError. */
export function readCheckpoint(file: string, expectedSha256?: string): Checkpoint {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointDamagedError(
      file,
      `cannot be read (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is missing' : (err as Error).message})`,
    );
  }
  if (expectedSha256) {
    const sha = sha256(data);
    if (sha !== expectedSha256) {
      throw new CheckpointDamagedError(
        file,
        `is corrupt: sha256 ${sha.slice(0, 12)}… does not match the stored ${expectedSha256.slice(0, 12)}… (the file changed after it was written)`,
      );
    }
  }
  if (data.length < 12 || !data.subarray(0, 8).equals(MAGIC))
    throw new CheckpointDamagedError(
      file,
      'is not an scg checkpoint (checkpoints are the .ckpt files scg writes under runs/<id>/)',
    );
  const len = data.readUInt32LE(8);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(data.subarray(12, 12 + len).toString('utf8')) as CheckpointHeader;
  } catch {
    throw new CheckpointDamagedError(file, 'has an unreadable header');
  }
  const base = 12 + len;
  const tensors = new Map<string, {shape: number[]; values: Float32Array}>();
  for (const e of header.tensors ?? []) {
    if (base + e.offset + e.length * 4 > data.length)
      throw new CheckpointDamagedError(file, `is truncated: tensor ${e.name} runs past the end of the file`);
    const bytes = data.subarray(base + e.offset, base + e.offset + e.length * 4);
    tensors.set(e.name, {
      shape: e.shape,
      values: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    });
  }
  return {header, tensors};
}

/** Assigns checkpoint values to variables by name; any missing or mis-shaped variable is an error. */
export function restoreVariables(ckpt: Checkpoint, variables: ReadonlyMap<string, tf.Variable>, file: string): void {
  for (const [name, v] of variables) {
    const saved = ckpt.tensors.get(name);
    if (!saved || saved.shape.join() !== v.shape.join()) {
      throw new ScgError(
        'BAD_INPUT',
        `checkpoint ${file} does not fit this model: ${saved ? `${name} has shape [${saved.shape}], the model [${v.shape}]` : `${name} is missing`}`,
        {
          hint: 'the config changed the model since the checkpoint was written; re-run with --force',
        },
      );
    }
    tf.tidy(() => v.assign(tf.tensor(saved.values, saved.shape)));
  }
}
