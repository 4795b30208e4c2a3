// Shared test setup: run tensor tests on the patched wasm backend (the default a user gets here), never on cpu by accident.
import * as tf from '@tensorflow/tfjs';
import {initBackend} from '../src/runtime/backend';

/** Initialises wasm (with scg's patches) and fails loudly if it is not what tfjs ends up using. */
export async function useWasm(): Promise<void> {
  const info = await initBackend('wasm');
  if (tf.getBackend() !== 'wasm' || info.name !== 'wasm') throw new Error(`tests expected wasm, got ${tf.getBackend()}`);
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32), for test inputs. */
export function seededValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Relative difference |a-b| / max(|a|, |b|, tiny). */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}
