// Finds and loads scg's libtorch addon (native/), checking it against the libtorch it was built with.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What `native/build.js` recorded when it built the addon (`native/build/libtorch.json`). */
export interface LibtorchBuild {
  /** How libtorch was found: `SCG_LIBTORCH`, `SCG_LIBTORCH_USE_PYTORCH` or `debian`. */
  source: string;
  root: string;
  includes: string[];
  libDir: string;
  version: string;
  cxx11Abi: number;
  cuda: boolean;
}

/** The addon's functions (native/scg_torch.cc). Tensors are opaque handles. */
export type Handle = object;
export interface TorchAddon {
  FromArray(values: ArrayBufferView, shape: number[], dtype: number): Handle;
  ToArray(t: Handle): Float32Array | Int32Array | Uint8Array;
  Free(t: Handle): void;
  Shape(t: Handle): number[];
  Unary(op: number, x: Handle): Handle;
  Binary(op: number, a: Handle, b: Handle): Handle;
  LeakyRelu(x: Handle, alpha: number): Handle;
  Step(x: Handle, alpha: number): Handle;
  Clip(x: Handle, min: number, max: number): Handle;
  Select(c: Handle, a: Handle, b: Handle): Handle;
  Cast(x: Handle, dtype: number): Handle;
  AddN(xs: Handle[]): Handle;
  Reduce(op: number, x: Handle, axes: number[], keepDims: boolean): Handle;
  ArgMinMax(x: Handle, axis: number, max: boolean): Handle;
  Softmax(x: Handle, dim: number): Handle;
  Reshape(x: Handle, shape: number[]): Handle;
  Transpose(x: Handle, perm: number[]): Handle;
  Slice(x: Handle, begin: number[], size: number[]): Handle;
  StridedSlice(x: Handle, begin: number[], end: number[], strides: number[], outShape: number[]): Handle;
  Concat(xs: Handle[], axis: number): Handle;
  Pack(xs: Handle[], axis: number): Handle;
  Unpack(x: Handle, axis: number): Handle[];
  SplitV(x: Handle, sizes: number[], axis: number): Handle[];
  Pad(x: Handle, paddings: number[], value: number): Handle;
  Tile(x: Handle, reps: number[]): Handle;
  Reverse(x: Handle, dims: number[]): Handle;
  Gather(x: Handle, indices: Handle, dims: number[], outShape: number[]): Handle;
  UnsortedSegmentSum(x: Handle, ids: Handle, numSegments: number): Handle;
  OneHot(indices: Handle, depth: number, on: number, off: number, dtype: number): Handle;
  Fill(shape: number[], value: number, dtype: number): Handle;
  Range(start: number, stop: number, step: number, dtype: number, n: number): Handle;
  BatchMatMul(a: Handle, b: Handle, ta: boolean, tb: boolean): Handle;
  FusedMatMul(
    a: Handle,
    b: Handle,
    bias: Handle | null,
    ta: boolean,
    tb: boolean,
    act: number,
    prelu: Handle | null,
    alpha: number,
  ): Handle;
  BatchNorm(
    x: Handle,
    mean: Handle,
    variance: Handle,
    offset: Handle | null,
    scale: Handle | null,
    eps: number,
  ): Handle;
  Conv2D(x: Handle, w: Handle, conv: number[]): Handle;
  FusedConv2D(
    x: Handle,
    w: Handle,
    conv: number[],
    bias: Handle | null,
    act: number,
    prelu: Handle | null,
    alpha: number,
  ): Handle;
  Conv2DBackpropInput(dy: Handle, w: Handle, inputShape: number[], conv: number[]): Handle;
  Conv2DBackpropFilter(x: Handle, dy: Handle, filterShape: number[], conv: number[]): Handle;
  AvgPool(x: Handle, filter: number[], conv: number[]): Handle;
  AvgPoolGrad(dy: Handle, inputShape: number[], filter: number[], conv: number[]): Handle;
  MaxPool(x: Handle, filter: number[], conv: number[]): Handle;
  MaxPoolGrad(dy: Handle, x: Handle, filter: number[], conv: number[]): Handle;
  ResizeBilinear(x: Handle, h: number, w: number, alignCorners: boolean, halfPixelCenters: boolean): Handle;
  ResizeBilinearGrad(x: Handle, dy: Handle, alignCorners: boolean, halfPixelCenters: boolean): Handle;
  ResizeNearest(x: Handle, h: number, w: number, alignCorners: boolean, halfPixelCenters: boolean): Handle;
  ResizeNearestGrad(x: Handle, dy: Handle, alignCorners: boolean, halfPixelCenters: boolean): Handle;
  /** Tr((S1 S2)^½) in float64 on the CPU: [trace, smallest and largest-magnitude eigenvalue of S1^½ S2 S1^½]. */
  TraceSqrtProduct(s1: Float64Array, s2: Float64Array, n: number): Float64Array;
  /** Q of a tall m × n matrix (row-major, float64), columns times sign(diag R): orthogonal init's factor. */
  OrthogonalQ(a: Float64Array, m: number, n: number): Float64Array;
  /**
   * Adam's update in place: θ, g, m, v, lr, β1, β2, bc1, bc2, ε (nn/adam.ts has the rule). False, and nothing
   * changed, when θ, m or v shares its storage with another tensor (a clone or reshape is a view of it).
   */
  AdamInPlace(
    p: Handle,
    g: Handle,
    m: Handle,
    v: Handle,
    lr: number,
    beta1: number,
    beta2: number,
    bc1: number,
    bc2: number,
    eps: number,
  ): boolean;
  Info(): {
    version: string;
    cudaDevices: number;
    cudaCompiled: boolean;
    mkldnn: boolean;
    openmp: boolean;
    threads: number;
    /** OpenBLAS's own thread count (SetThreads sets it too), or -1 where the BLAS is another. */
    blasThreads: number;
    device: string;
    config: string;
    parallel: string;
  };
  SetThreads(n: number): void;
  SetDevice(device: string): string;
  SetAutotune(on: boolean): void;
  SetDeterministic(on: boolean): void;
  Synchronize(): void;
  /** Peak bytes of live CPU tensors since the last call, which starts a new window; -1 with scg's allocator off. */
  TensorPeak(): number;
  /**
   * The caching CPU allocator's counts since the process started: blocks of its sizes (256 KiB and up) served from
   * the cache or mapped anew, blocks evicted for other sizes, and the bytes cached now; undefined with it off.
   */
  CacheStats(): {hits: number; misses: number; evictions: number; cachedBytes: number} | undefined;
  unaryOps: string[];
  binaryOps: string[];
  reduceOps: string[];
}

/** The package root (where `native/` lives), from this file's place in `dist/src/core/backends/torch/`. */
export const PACKAGE_ROOT = path.resolve(__dirname, '../../../../..');
/** Where `native/build.js` puts the addon and its `libtorch.json`; `SCG_TORCH_BUILD_DIR` points elsewhere (tests). */
export function buildDir(): string {
  return process.env['SCG_TORCH_BUILD_DIR'] || path.join(PACKAGE_ROOT, 'native', 'build');
}
export const INSTALL_HINT =
  'on Debian/Ubuntu: `apt-get install libtorch-dev libopenblas0-pthread`, then `npm ci` (or `node native/build.js`); ' +
  'for GPUs: `pip install torch` (a CUDA build) and `SCG_LIBTORCH_USE_PYTORCH=1 npm ci`';

export type AddonState =
  | {ok: true; addon: TorchAddon; build: LibtorchBuild}
  | {ok: false; reason: string; build?: LibtorchBuild};
let state: AddonState | undefined;

/** The libtorch version a folder's headers declare (`torch/csrc/api/include/torch/version.h`), if readable. */
export function headerVersion(includeDir: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(includeDir, 'torch/csrc/api/include/torch/version.h'), 'utf8');
    const part = (k: string) => text.match(new RegExp(`#define TORCH_VERSION_${k} (\\d+)`))?.[1];
    const [a, b, c] = ['MAJOR', 'MINOR', 'PATCH'].map(part);
    return a && b && c ? `${a}.${b}.${c}` : undefined;
  } catch {
    return undefined;
  }
}

function readBuild(): LibtorchBuild | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(buildDir(), 'libtorch.json'), 'utf8')) as LibtorchBuild;
  } catch {
    return undefined;
  }
}

/**
 * Loads the addon once per process. Never throws: a missing addon, a libtorch that moved or changed version, or a
 * failed dlopen come back as `{ok: false, reason}`, so `auto` can move on and a forced `torch` can say why.
 */
export function loadAddon(): AddonState {
  if (state) return state;
  const build = readBuild();
  const addonPath = path.join(buildDir(), 'Release', 'scg_torch.node');
  if (!fs.existsSync(addonPath) || !build) {
    state = {
      ok: false,
      reason: `the libtorch addon is not built (no ${fs.existsSync(addonPath) ? path.join(buildDir(), 'libtorch.json') : addonPath})`,
    };
    return state;
  }
  const now = headerVersion(build.includes[0] ?? '');
  if (now !== undefined && now !== build.version) {
    state = {
      ok: false,
      build,
      reason: `the addon was built against libtorch ${build.version} in ${build.root}, which now holds ${now}; rebuild it with \`node native/build.js\``,
    };
    return state;
  }
  // OpenMP reads its wait policy when libtorch loads: spinning threads starve the other core on a loaded machine.
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
  try {
    const addon = require(addonPath) as TorchAddon;
    const info = addon.Info();
    if (info.version !== build.version) {
      state = {
        ok: false,
        build,
        reason: `the addon reports libtorch ${info.version} but was built for ${build.version}; rebuild it with \`node native/build.js\``,
      };
      return state;
    }
    state = {ok: true, addon, build};
  } catch (err) {
    state = {
      ok: false,
      build,
      reason: `the libtorch addon failed to load (built against ${build.version} in ${build.libDir}): ${(err as Error).message.split('\n')[0]}`,
    };
  }
  return state;
}
