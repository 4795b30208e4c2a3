// Tells the wasm backend running out of its heap (4 GiB at most) from other failures, and says so in words.
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';

/** wasm32 addresses at most 4 GiB; tfjs-wasm's heap lives inside it (one per data-parallel thread). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** What a failed allocation inside the wasm heap looks like: an abort or an access past its end. */
const HEAP_FAILURE = /Aborted\(|memory access out of bounds|Cannot enlarge memory|out of memory/i;

function messages(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as {cause?: unknown}).cause, depth++) {
    out.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return out;
}

let abortedWith: string | undefined;

/**
 * Records it when the active wasm module aborts. A kernel that cannot allocate does not always throw the abort
 * itself: XNNPACK reports the failed allocation, the module aborts, and tfjs then fails in JS on the missing
 * result (a TypeError), which only this record ties to the heap. Call after the wasm backend is set; idempotent.
 */
export function watchWasmAborts(): void {
  const module = (tf.backend() as unknown as {wasm?: {onAbort?: (what: unknown) => void; scgWatched?: boolean}}).wasm;
  if (!module || module.scgWatched) return;
  const previous = module.onAbort;
  module.onAbort = (what: unknown) => {
    abortedWith ??= String(what);
    previous?.(what);
  };
  module.scgWatched = true;
}

/**
 * True when the backend is wasm, `err` (or its cause) is a wasm runtime failure (or follows an abort of the
 * module), and this process's peak resident memory says the heap was nearly full when it happened (a genuine
 * kernel bug far below the limit is left alone).
 * The defaults read the active backend and the process's peak RSS.
 */
export function isWasmHeapExhausted(err: unknown, at: {backend?: string; peakBytes?: number} = {}): boolean {
  if ((at.backend ?? tf.getBackend()) !== 'wasm') return false;
  const failed =
    (err instanceof Error && err.name === 'RuntimeError') ||
    messages(err).some((m) => HEAP_FAILURE.test(m)) ||
    abortedWith !== undefined;
  return failed && (at.peakBytes ?? process.resourceUsage().maxRSS * 1024) >= 0.75 * WASM_HEAP_BYTES;
}

/** The error to report instead: bad input for this backend (exit 2), with the way out. */
export function wasmHeapError(err: unknown, where: string): ScgError {
  const peak = (process.resourceUsage().maxRSS / 1024 ** 2).toFixed(1);
  return new ScgError(
    'BAD_INPUT',
    `${where}: the model does not fit the wasm backend's heap, which holds at most 4 GiB per thread (the process peaked at ${peak} GB before the wasm runtime failed: ${messages(err)[0]})`,
    {
      hint: 'train it on the torch backend (README: install; a run stopped this way resumes there with --set runtime.backend=torch), or make it smaller: dataset.resolution, train.batchSize, backbone widths',
      cause: err,
    },
  );
}
