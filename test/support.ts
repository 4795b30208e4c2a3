// Shared test setup: tensor tests run on torch when its addon is built, else on the patched wasm backend (the
// default a user gets without libtorch), and never on cpu by accident. SCG_TEST_BACKEND=wasm forces wasm.
import * as tf from '@tensorflow/tfjs';
import {initBackend} from '../src/core/backend';
import {loadAddon} from '../src/core/backends/torch';

export type TestBackend = 'torch' | 'wasm';

/** Whether the torch addon is built and loads here (and the suite is not forced onto wasm). */
export function torchPresent(): boolean {
  return process.env['SCG_TEST_BACKEND'] !== 'wasm' && loadAddon().ok;
}

/** The backend a user gets with `runtime.backend: auto` here, which the suite runs on. */
export const BEST_BACKEND: TestBackend = torchPresent() ? 'torch' : 'wasm';

/** Every backend present, for backend-specific tests (kernel parity, backbone steps). */
export const TEST_BACKENDS: readonly TestBackend[] = torchPresent() ? ['torch', 'wasm'] : ['wasm'];

/** Initialises a backend (torch on 2 threads, wasm with scg's patches) and fails loudly if tfjs ends up elsewhere. */
export async function useBackend(name: TestBackend): Promise<void> {
  // SCG_TEST_DEVICE=cuda runs the torch tests on a GPU (bench/gpu/check.sh does).
  const info = await initBackend(
    name,
    name === 'torch' ? {threads: 2, device: process.env['SCG_TEST_DEVICE'] || 'cpu'} : {threads: 2},
  );
  if (tf.getBackend() !== name || info.name !== name) throw new Error(`tests expected ${name}, got ${tf.getBackend()}`);
}

/** The suite's default backend: torch where built, else wasm. */
export async function useBestBackend(): Promise<void> {
  await useBackend(BEST_BACKEND);
}

/** Initialises wasm (with scg's patches), for the tests of wasm itself and of data-parallel wasm training. */
export async function useWasm(): Promise<void> {
  await useBackend('wasm');
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
