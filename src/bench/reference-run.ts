// `scg bench --reference`: the reference GAN step on one and N threads and, with --torch, PyTorch's, in
// alternating rounds so every variant sees the same load; and the text `scg bench` prints.
import type {BackendName} from '../core/backend';
import {usableThreads} from '../parallel/group';
import {benchmark, type BenchResult, pairedScaling} from './bench';
import {startReferenceStep} from './reference-step';
import {runTorchReference, type TorchTiming} from './torch-peer';

/** What `scg bench` reports (its --json output). */
export interface BenchReport {
  backend: string;
  threads: number;
  results: Record<string, BenchResult>;
  torch?: TorchTiming[];
  ratio?: number;
  scaling?: number;
  waitMsPerStep?: number;
  tinyOpMicros?: number;
  /** `--adam`: one Adam update of `params` weights here, and PyTorch's with `--torch`. */
  adam?: {params: number; ms: number; torch?: {torch: string; threads: number; ms: number}};
}

export interface ReferenceOptions {
  backend: BackendName;
  /** Where PyTorch runs with `torch`. */
  torchDevice: string;
  /** Data-parallel tfjs threads (1 on backends that thread their own kernels). */
  threads: number;
  /** The thread count to report when it is not the data-parallel one (torch: libtorch's threads). */
  reportThreads: number | undefined;
  res: number;
  batch: number;
  steps: number;
  rounds: number;
  profile: boolean;
  torch: boolean;
  note(line: string): void;
}

/** Times the reference step (and PyTorch's, with `torch`); returns the report's fields. */
export async function benchReference(o: ReferenceOptions): Promise<Omit<BenchReport, 'backend'>> {
  const report: Omit<BenchReport, 'backend'> = {threads: o.threads, results: {}};
  const fitted = usableThreads(o.threads, o.batch); // equal shards keep the per-row means exact
  if (fitted.note) o.note(`reference step: ${fitted.note}`);
  report.threads = o.reportThreads ?? fitted.threads;
  const one = await startReferenceStep(o.res, o.batch, 1, o.backend);
  const many = fitted.threads > 1 ? await startReferenceStep(o.res, o.batch, fitted.threads, o.backend) : undefined;
  const timings: {one: BenchResult[]; many: BenchResult[]} = {one: [], many: []};
  const torch: TorchTiming[] = [];
  try {
    // Fresh worker threads start on V8's baseline wasm code and tier up in the background: warm them up first.
    for (let k = 0; k < 6; k++) many?.step();
    for (let round = 0; round < Math.max(o.rounds, 1); round++) {
      timings.one.push(await benchmark(one, {steps: o.steps, profile: o.profile && round === 0}));
      if (many) timings.many.push(await benchmark(many, {steps: o.steps}));
      if (o.torch) torch.push(runTorchReference(o.res, o.batch, report.threads, o.steps, o.torchDevice));
    }
    if (many) {
      const pairs = o.steps * o.rounds;
      const waited = many.group!.collective.waitedMs;
      report.scaling = pairedScaling(
        () => one.step(),
        () => many.step(),
        pairs,
      );
      report.waitMsPerStep = (many.group!.collective.waitedMs - waited) / pairs;
    }
  } finally {
    await one.close();
    await many?.close();
  }
  const middle = (rs: BenchResult[]) => [...rs].sort((a, b) => a.stepMs - b.stepMs)[Math.floor(rs.length / 2)]!;
  const oneBest = {...middle(timings.one), topKernels: timings.one.find((t) => t.topKernels)?.topKernels ?? []};
  report.results['reference'] = many ? middle(timings.many) : oneBest;
  if (many) {
    report.results['reference-1-thread'] = oneBest;
  }
  if (o.torch) {
    report.torch = torch;
    const torchMedian = torch.map((t) => t.imagesPerSecond).sort((a, b) => a - b)[Math.floor(torch.length / 2)]!;
    report.ratio = report.results['reference']!.imagesPerSecond / torchMedian;
  }
  return report;
}

function line(name: string, r: BenchResult & {threads?: number; scaling?: number}): string {
  const scaling = r.scaling === undefined ? '' : `, ${r.threads} threads / 1 thread img/s ${r.scaling.toFixed(2)}`;
  return `${name}: ${r.imagesPerSecond.toFixed(1)} img/s, step ${r.stepMs.toFixed(0)} ms, forward ${r.forwardMs.toFixed(0)} ms, step/forward ${r.stepOverForward.toFixed(2)}, peak RSS ${r.peakRssMb.toFixed(0)} MB${scaling}`;
}

/** The lines `scg bench` prints for a report. */
export function benchText(report: BenchReport, backend: string): string {
  const out: string[] = [];
  for (const [name, r] of Object.entries(report.results)) {
    out.push(line(name, r));
    for (const k of r.topKernels ?? [])
      out.push(
        `  ${k.kernel.padEnd(22)} ${k.ms.toFixed(0).padStart(6)} ms  ${String(k.calls).padStart(4)} calls  ${(100 * k.share).toFixed(1)}%`,
      );
    if (r.allKernels)
      out.push(
        `  all kernels: ${r.allKernels.calls} calls, ${r.allKernels.ms.toFixed(0)} ms, ${((100 * r.allKernels.ms) / r.stepMs).toFixed(0)}% of the median step (the rest is tfjs's engine and scg's JS)`,
      );
  }
  for (const t of report.torch ?? [])
    out.push(
      `torch ${t.torch} (${t.threads} threads): ${t.imagesPerSecond.toFixed(1)} img/s, step ${t.stepMs.toFixed(0)} ms`,
    );
  if (report.scaling !== undefined) {
    out.push(
      `${report.threads} threads / 1 thread img/s: ${report.scaling.toFixed(2)} (thread 0 waited ${report.waitMsPerStep!.toFixed(0)} ms per step for the others)`,
    );
  }
  if (report.ratio !== undefined)
    out.push(`scg (${backend}) / PyTorch img/s (${report.threads} threads each): ${report.ratio.toFixed(3)}`);
  if (report.tinyOpMicros !== undefined)
    out.push(`tiny op (tf.add of two [8] tensors + dispose): ${report.tinyOpMicros.toFixed(2)} µs median`);
  if (report.adam) {
    const {params, ms, torch} = report.adam;
    out.push(`Adam update of ${(params / 1e6).toFixed(1)} M parameters: ${ms.toFixed(0)} ms median`);
    if (torch)
      out.push(
        `PyTorch ${torch.torch} Adam (${torch.threads} threads): ${torch.ms.toFixed(0)} ms; scg / PyTorch time: ${(ms / torch.ms).toFixed(2)}`,
      );
  }
  return out.join('\n');
}
