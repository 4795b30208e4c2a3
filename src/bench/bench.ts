// Times training steps against the forward passes of the same steps, with throughput, memory and a kernel profile.
import * as tf from '@tensorflow/tfjs';

export interface Timed {
  /** Runs one training step (forward, backward, update). */
  step(): void;
  /** Runs the forward passes of one such step, without gradients. */
  forward(): void;
  imagesPerStep: number;
}

export interface BenchResult {
  steps: number;
  stepMs: number;
  forwardMs: number;
  /** step time / forward time: how much backward and update cost on top of the forward passes. */
  stepOverForward: number;
  imagesPerSecond: number;
  peakRssMb: number;
  tensorBytesMb: number;
  /** With profile: the kernels with the largest total time in one step. */
  topKernels?: {kernel: string; ms: number; calls: number; share: number}[];
  /**
   * With profile: every kernel call of that step and the time spent inside them, measured by the backend around
   * each kernel; the rest of a step (`stepMs - ms`) is tfjs's engine (gradient tape, scopes, disposal) and scg's JS.
   */
  allKernels?: {calls: number; ms: number};
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Waits for queued device work (torch on CUDA runs asynchronously); a no-op on the CPU backends. */
function settle(): void {
  (tf.backend() as unknown as {addon?: {Synchronize(): void}}).addon?.Synchronize();
}

function timeMs(f: () => void): number {
  const t0 = performance.now();
  f();
  settle();
  return performance.now() - t0;
}

/**
 * One-thread over N-thread median step time, from `pairs` steps of each timed in strict alternation, so slow
 * drifts of the machine hit both alike.
 */
export function pairedScaling(
  one: () => void,
  many: () => void,
  pairs: number,
  /** Untimed switches run before each timed step (torch: its intra-op thread count). */
  switchTo?: {one(): void; many(): void},
): number {
  const times = {one: [] as number[], many: [] as number[]};
  for (let k = 0; k < pairs; k++) {
    switchTo?.one();
    times.one.push(timeMs(one));
    switchTo?.many();
    times.many.push(timeMs(many));
  }
  return median(times.one) / median(times.many);
}

/**
 * Warm-up, then `steps` rounds that time one step and one forward pass each, alternately, so both see the same
 * machine load; reports medians.
 */
export async function benchmark(
  t: Timed,
  opts: {steps: number; warmup?: number; profile?: boolean},
): Promise<BenchResult> {
  for (let i = 0; i < (opts.warmup ?? 2); i++) {
    t.step();
    t.forward();
  }
  const stepMs: number[] = [];
  const forwardMs: number[] = [];
  let peak = process.memoryUsage().rss;
  for (let i = 0; i < opts.steps; i++) {
    stepMs.push(timeMs(() => t.step()));
    forwardMs.push(timeMs(() => t.forward()));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const s = median(stepMs);
  const f = median(forwardMs);
  const result: BenchResult = {
    steps: opts.steps,
    stepMs: s,
    forwardMs: f,
    stepOverForward: s / f,
    imagesPerSecond: (t.imagesPerStep * 1000) / s,
    peakRssMb: peak / 2 ** 20,
    tensorBytesMb: tf.memory().numBytes / 2 ** 20,
  };
  if (opts.profile) {
    const info = await tf.profile(() => t.step());
    const byKernel = new Map<string, {ms: number; calls: number}>();
    for (const k of info.kernels) {
      const e = byKernel.get(k.name) ?? {ms: 0, calls: 0};
      e.ms += k.kernelTimeMs as number;
      e.calls += 1;
      byKernel.set(k.name, e);
    }
    const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
    result.allKernels = {calls: info.kernels.length, ms: total};
    result.topKernels = [...byKernel.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 8)
      .map(([kernel, e]) => ({kernel, ms: e.ms, calls: e.calls, share: e.ms / total}));
  }
  return result;
}
