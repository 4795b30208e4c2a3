// Chooses the tfjs compute backend (scg's libtorch, native tensorflow, patched wasm, then pure-JS cpu) and says which.
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {ScgError} from '../errors';
import {
  configureTorch,
  INSTALL_HINT,
  registerTorch,
  TORCH_BACKEND,
  type TorchDetails,
  torchTensorPeak,
} from './backends/torch';
import {installGradientFreeing} from './free-gradients';
import {watchWasmAborts} from './wasm-heap';
import {registerCpuPatches, registerGradientPatches, registerWasmPatches} from './kernels';

export type BackendChoice = 'auto' | 'torch' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'torch' | 'tensorflow' | 'wasm' | 'cpu';
/** Where torch computes: `auto` is the first CUDA device when libtorch sees one, else the CPU. */
export type DeviceChoice = string;

export interface BackendOptions {
  /** torch: libtorch's intra-op threads (default: every core). */
  threads?: number;
  /** torch: `auto | cpu | cuda | cuda:N`. */
  device?: DeviceChoice;
}

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
  /** torch only: libtorch's version, device, BLAS and where it was found; or, when torch was tried and skipped, why. */
  torch?: TorchDetails;
  torchSkipped?: string;
  /** torch only: the device asked for (`runtime.device`). */
  device?: DeviceChoice;
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
      entry.error = (err as Error).message.split('\n')[0] ?? String(err);
    }
  }
  return undefined;
}

async function tryWasm(): Promise<string[] | undefined> {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    const patches = registerWasmPatches();
    if (await tf.setBackend('wasm')) {
      watchWasmAborts();
      return patches;
    }
  } catch {
    // fall through: the caller reports that wasm could not load
  }
  return undefined;
}

/** torch, configured for the requested threads and device; undefined (with the reason) when the addon is missing. */
async function tryTorch(opts: BackendOptions, forced: boolean): Promise<{details?: TorchDetails; reason?: string}> {
  const reg = registerTorch();
  if (!reg.ok) return {reason: reg.reason};
  let details: TorchDetails;
  try {
    details = configureTorch(reg.addon, reg.build, opts.threads, opts.device ?? 'auto');
  } catch (err) {
    const why = (err as Error).message;
    // A device that cannot be had is a config error whether torch was forced or chosen by auto.
    throw new ScgError('BACKEND', `runtime.device is '${opts.device}' but ${why.replace(/^libtorch: /, '')}`, {
      hint: reg.build.cuda
        ? 'check `nvidia-smi` and CUDA_VISIBLE_DEVICES, or use runtime.device: cpu'
        : `this addon was built against a CPU-only libtorch (${reg.build.libDir}); for GPUs: pip install torch (a CUDA build), then SCG_LIBTORCH_USE_PYTORCH=1 npm ci`,
    });
  }
  if (!(await tf.setBackend(TORCH_BACKEND))) {
    if (forced) throw new ScgError('BACKEND', "runtime.backend is 'torch' but tfjs could not initialise it");
    return {reason: 'tfjs could not initialise the torch backend'};
  }
  return {details};
}

/**
 * Selects and initialises the backend. `auto` tries torch, then native tensorflow, then wasm, then cpu; a forced
 * choice that cannot load throws a BACKEND error. Calling it again with the same choice returns the cached result
 * (on torch, with the threads set again).
 */
export async function initBackend(requested: BackendChoice = 'auto', opts: BackendOptions = {}): Promise<BackendInfo> {
  if (
    current &&
    current.requested === requested &&
    (current.name !== 'torch' || (opts.device ?? 'auto') === current.device)
  ) {
    if (tf.getBackend() !== current.name) await tf.setBackend(current.name);
    if (current.torch) current.torch = reconfigure(current.torch, opts);
    return current;
  }
  registerCpuPatches(); // the cpu backend is always there (tests compare against it, tfjs falls back to it)
  const native: BackendInfo['native'] = [];
  const base = {requested, native, tfjsVersion: tf.version_core};
  let info: BackendInfo | undefined;
  let torchSkipped: string | undefined;
  if (requested === 'auto' || requested === 'torch') {
    const torch = await tryTorch(opts, requested === 'torch');
    if (torch.details) {
      info = {
        ...base,
        name: 'torch',
        patches: [],
        threads: torch.details.threads,
        torch: torch.details,
        device: opts.device ?? 'auto',
      };
    } else if (requested === 'torch') {
      throw new ScgError('BACKEND', `runtime.backend is 'torch' but ${torch.reason}`, {hint: INSTALL_HINT});
    } else {
      torchSkipped = torch.reason;
    }
  }
  const device = opts.device ?? 'auto';
  if (!info && device !== 'auto' && device !== 'cpu') {
    throw new ScgError(
      'BACKEND',
      `runtime.device is '${device}', which only the torch backend offers, but ${requested === 'auto' ? torchSkipped : `runtime.backend is '${requested}'`}`,
      {
        hint: `use runtime.device: auto, or install the torch backend (${INSTALL_HINT})`,
      },
    );
  }
  if (!info && (requested === 'auto' || requested === 'tensorflow')) {
    const pkg = await tryNative(native);
    if (pkg) info = {...base, name: 'tensorflow', nativePackage: pkg, patches: [], threads: os.availableParallelism()};
    else if (requested === 'tensorflow') {
      const why =
        native.find((n) => n.found)?.error ??
        'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed';
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
      info.warning =
        'WARNING: falling back to the pure-JS cpu backend, which trains conv nets ~300x slower than wasm. ' +
        'Check that @tensorflow/tfjs-backend-wasm is installed (npm ci).';
    }
  }
  await tf.ready();
  info.gradientPatches = registerGradientPatches();
  installGradientFreeing();
  if (torchSkipped) info.torchSkipped = torchSkipped;
  current = info;
  return info;
}

function reconfigure(details: TorchDetails, opts: BackendOptions): TorchDetails {
  const reg = registerTorch();
  return reg.ok ? configureTorch(reg.addon, reg.build, opts.threads, details.device) : details;
}

/**
 * The largest number of tensor bytes alive at once since the last call (each call starts a new window, so a call
 * before and after a step gives that step's peak). Only the torch backend on the CPU counts them; elsewhere undefined.
 */
export function tensorPeakBytes(): number | undefined {
  return current?.torch && tf.getBackend() === 'torch' ? torchTensorPeak(current.torch.device) : undefined;
}

/** The backend chosen by the last `initBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/** One line for logs: `backend: wasm (patched: Conv2DBackpropFilter, UnsortedSegmentSum), 1 thread per instance`. */
export function describeBackend(info: BackendInfo): string {
  if (info.torch) {
    const t = info.torch;
    return `backend: torch (libtorch ${t.version}, ${t.build.source}) on ${t.device}, ${t.threads} thread${t.threads === 1 ? '' : 's'}`;
  }
  const extra = info.nativePackage
    ? ` via ${info.nativePackage}`
    : info.patches.length
      ? ` (patched: ${info.patches.join(', ')})`
      : '';
  return `backend: ${info.name}${extra}, ${info.threads} thread${info.threads === 1 ? '' : 's'} per instance`;
}
