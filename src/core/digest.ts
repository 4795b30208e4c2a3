// Content hashes: the sha256 that checkpoints, artifacts and caches are verified by.
import * as crypto from 'node:crypto';

/** Hex sha256 of `data`. */
export function sha256(data: string | Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
