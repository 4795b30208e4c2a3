// Registers the `torch` backend with tfjs (once per process) and sets libtorch's threads and device.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {loadAddon, type LibtorchBuild, type TorchAddon} from './addon';
import {TORCH_BACKEND, TorchBackend} from './backend';
import {torchKernels} from './kernels';

export {TORCH_BACKEND} from './backend';
export {INSTALL_HINT, loadAddon} from './addon';

/** What the torch backend runs on, for logs and `scg doctor`. */
export interface TorchDetails {
  build: LibtorchBuild;
  version: string;
  device: string;
  cudaDevices: number;
  threads: number;
  /** OpenBLAS's pool, kept at `threads` (at::set_num_threads does not reach it); -1 for another BLAS. */
  blasThreads: number;
  mkldnn: boolean;
  /** The BLAS libtorch's build names (from at::show_config). */
  blas: string;
  kernels: number;
}

let registered: TorchAddon | undefined;

/**
 * Registers the backend and its kernels if the addon loads; returns why not otherwise. Does not switch to it.
 * Kernels are registered before the backend factory so nothing can run on a half-registered backend.
 */
export function registerTorch(): {ok: true; addon: TorchAddon; build: LibtorchBuild} | {ok: false; reason: string} {
  const state = loadAddon();
  if (!state.ok) return state;
  if (!registered) {
    for (const k of torchKernels(state.addon)) {
      if (!tf.getKernel(k.kernelName, TORCH_BACKEND)) tf.registerKernel(k);
    }
    tf.registerBackend(TORCH_BACKEND, () => new TorchBackend(state.addon), 3);
    registered = state.addon;
  }
  return state;
}

/**
 * The BLAS this process really loaded (Debian's libtorch links the generic libblas.so.3, which is whatever the
 * alternatives system points at: OpenBLAS, or netlib's slow reference BLAS), else the build's own BLAS_INFO.
 */
function blasOf(config: string): string {
  try {
    const libs = fs
      .readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((l) => l.split(/\s+/).pop() ?? '');
    const blas = [...new Set(libs.filter((l) => /lib(open)?blas|libmkl_core/.test(l)))];
    if (blas.length) return blas.join(', ');
  } catch {
    // not Linux: fall through
  }
  return `BLAS_INFO=${config.match(/BLAS_INFO=(\w+)/)?.[1] ?? 'unknown'}`;
}

/** Sets libtorch's intra-op threads (default: every core) and its device; throws the addon's reason on a bad device. */
export function configureTorch(
  addon: TorchAddon,
  build: LibtorchBuild,
  threads: number | undefined,
  device: string,
): TorchDetails {
  addon.SetThreads(threads ?? os.availableParallelism());
  const info = addon.Info();
  const want = device === 'auto' ? (info.cudaDevices > 0 ? 'cuda:0' : 'cpu') : device;
  const chosen = addon.SetDevice(want);
  return {
    build,
    version: info.version,
    device: chosen,
    cudaDevices: info.cudaDevices,
    threads: addon.Info().threads,
    blasThreads: addon.Info().blasThreads,
    mkldnn: info.mkldnn,
    blas: blasOf(info.config),
    kernels: torchKernels(addon).length,
  };
}

/** Sets libtorch's intra-op threads (and OpenBLAS's) on the registered addon: the bench's one-thread comparison. */
export function setTorchThreads(n: number): void {
  registered?.SetThreads(n);
}

/**
 * The peak bytes of live libtorch CPU tensors since the last call (each call starts a new window), or undefined
 * where nothing counts them: scg's CPU allocator off (`SCG_TORCH_CACHE_MB=0`), or tensors on a CUDA device.
 */
export function torchTensorPeak(device: string): number | undefined {
  if (!registered || device !== 'cpu') return undefined;
  const peak = registered.TensorPeak();
  return peak >= 0 ? peak : undefined;
}
