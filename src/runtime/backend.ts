// Chooses the tfjs compute backend (native tensorflow, then patched wasm, then pure-JS cpu) and says which.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {registerGradientPatches, registerWasmPatches} from './kernels';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend tfjs now runs on. */
  name: BackendName;
  /** What was asked for. */
  requested: BackendChoice;
  /** The native package that provided `tensorflow`, if any. */
  nativePackage?: string;
  /** Kernels scg registered on top of the backend. */
  patches: string[];
  /** Kernels whose missing gradients scg registered (second-order training: MA-GP). */
  gradientPatches?: string[];
  /** Optional native packages that were found installed, and whether they loaded. */
  native: {name: string; found: boolean; loaded: boolean; error?: string}[];
  /** Threads one backend instance uses (wasm in Node: 1; data-parallel training runs several instances). */
  threads: number;
  /** Set when the chosen backend is much slower than the best: the CLI prints it loudly. */
  warning?: string;
  tfjsVersion: string;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
let current: BackendInfo | undefined;

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

async function tryNative(native: BackendInfo['native']): Promise<string | undefined> {
  for (const pkg of NATIVE_PACKAGES) {
    const entry: BackendInfo['native'][number] = {name: pkg, found: isInstalled(pkg), loaded: false};
    native.push(entry);
    if (!entry.found) continue;
    try {
      require(pkg); // registers the 'tensorflow' backend with the shared tfjs-core
      if (await tf.setBackend('tensorflow')) {
        entry.loaded = true;
        return pkg;
      }
      entry.error = 'setBackend("tensorflow") returned false';
    } catch (err) {
      entry.error = (err as Error).message.split('\n')[0];
    }
  }
  return undefined;
}

async function tryWasm(): Promise<string[] | undefined> {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    const patches = registerWasmPatches();
    if (await tf.setBackend('wasm')) return patches;
  } catch {
    // fall through: the caller reports that wasm could not load
  }
  return undefined;
}

/**
 * Selects and initialises the backend. `auto` tries native tensorflow, then wasm, then cpu; a forced choice
 * that cannot load throws a BACKEND error. Calling it again with the same choice returns the cached result.
 */
export async function initBackend(requested: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && current.requested === requested) {
    if (tf.getBackend() !== current.name) await tf.setBackend(current.name);
    return current;
  }
  const native: BackendInfo['native'] = [];
  const base = {requested, native, tfjsVersion: tf.version_core};
  let info: BackendInfo | undefined;
  if (requested === 'auto' || requested === 'tensorflow') {
    const pkg = await tryNative(native);
    if (pkg) info = {...base, name: 'tensorflow', nativePackage: pkg, patches: [], threads: os.availableParallelism()};
    else if (requested === 'tensorflow') {
      const why = native.find((n) => n.found)?.error ?? 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed';
      throw new ScgError('BACKEND', `runtime.backend is 'tensorflow' but no native backend could load: ${why}`, {
        hint: 'install one with `npm install @tensorflow/tfjs-node` (needs network access to its binary host), or use runtime.backend: auto',
      });
    }
  }
  if (!info && (requested === 'auto' || requested === 'wasm')) {
    const patches = await tryWasm();
    if (patches) info = {...base, name: 'wasm', patches, threads: 1};
    else if (requested === 'wasm') {
      throw new ScgError('BACKEND', `runtime.backend is 'wasm' but @tensorflow/tfjs-backend-wasm could not load`, {
        hint: 'run `npm ci` again; the package ships its .wasm files',
      });
    }
  }
  if (!info) {
    
    if (!(await tf.setBackend('cpu'))) throw new ScgError('BACKEND', 'the cpu backend could not load');
    info = {...base, name: 'cpu', patches: [], threads: 1};
    if (requested === 'auto') {
      info.warning = 'WARNING: falling back to the pure-JS cpu backend, which trains conv nets ~300x slower than wasm. ' +
        'Check that @tensorflow/tfjs-backend-wasm is installed (npm ci).';
    }
  }
  await tf.ready();
  info.gradientPatches = registerGradientPatches();
  current = info;
  return info;
}

/** The backend chosen by the last `initBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** One line for logs: `backend: wasm (patched: Conv2DBackpropFilter, UnsortedSegmentSum), 1 thread per instance`. */
export function describeBackend(info: BackendInfo): string {
  const extra = info.nativePackage ? ` via ${info.nativePackage}` : info.patches.length ? ` (patched: ${info.patches.join(', ')})` : '';
  return `backend: ${info.name}${extra}, ${info.threads} thread${info.threads === 1 ? '' : 's'} per instance`;
}
