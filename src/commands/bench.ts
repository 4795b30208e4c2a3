// `scg bench`: time training steps (a config's, or the reference GAN step) against their forward passes,
// optionally next to the same step in PyTorch.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, setFlag} from '../cli/base-command';
import {benchmark, BenchResult, pairedScaling} from '../bench/bench';
import {benchExperiment} from '../bench/experiment-bench';
import * as os from 'node:os';
import {startReferenceStep} from '../bench/reference-step';
import {usableThreads} from '../parallel/group';
import {runTorchReference, TorchTiming} from '../bench/torch-peer';
import {loadConfig} from '../config/load';
import {ScgError} from '../errors';
import {tinyOpMicros} from '../bench/tiny-op';
import {BackendChoice, describeBackend, initBackend} from '../core/backend';
import {wantedGanThreads} from '../runtime/parallel-phase';

function line(name: string, r: BenchResult): string {
  return `${name}: ${r.imagesPerSecond.toFixed(1)} img/s, step ${r.stepMs.toFixed(0)} ms, forward ${r.forwardMs.toFixed(0)} ms, step/forward ${r.stepOverForward.toFixed(2)}, peak RSS ${r.peakRssMb.toFixed(0)} MB`;
}

export default class Bench extends BaseCommand {
  static override summary = 'Time training steps (img/s, step vs forward ms, memory, kernel profile), optionally against PyTorch';
  static override examples = [
    '<%= config.bin %> bench configs/quickstart.yaml --steps 5 --profile',
    '<%= config.bin %> bench --reference --torch --rounds 3 --threads 2',
  ];
  static override args = {config: Args.string({description: 'experiment config to time (its pretraining and GAN steps)'})};
  static override flags = {
    reference: Flags.boolean({description: 'time the reference GAN step (DCGAN-like, hinge, 64 px, batch 16) instead of a config'}),
    torch: Flags.boolean({description: 'with --reference: also run bench/reference_step.py (python3-torch), alternately, and print the ratio'}),
    steps: Flags.integer({description: 'timed steps per measurement (after 2 warm-up steps)', default: 5, min: 1}),
    rounds: Flags.integer({description: 'with --reference: rounds, each timing every variant once (1 thread, N threads, PyTorch) so they see the same load', default: 3, min: 1}),
    res: Flags.integer({description: 'reference step resolution', default: 64}),
    batch: Flags.integer({description: 'reference step batch', default: 16}),
    threads: Flags.integer({description: 'with --reference: data-parallel tfjs threads, and PyTorch threads with --torch (default: cores). Above 1, the one-thread step is timed too, alternately, for the scaling ratio', min: 1}),
    profile: Flags.boolean({description: 'list the kernels that take the most time in one step'}),
    backend: Flags.string({description: 'backend to time on (default: the config\'s runtime.backend, else auto)', options: ['auto', 'torch', 'tensorflow', 'wasm', 'cpu']}),
    device: Flags.string({description: 'torch device (default: the config\'s runtime.device, else auto); with --reference --torch, PyTorch runs there too'}),
    'tiny-op': Flags.boolean({description: 'also time the per-op cost: tf.add of two [8] tensors + dispose (median µs)'}),
    set: setFlag,
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Bench);
    if (!flags.reference && !args.config && !flags['tiny-op']) throw new ScgError('BAD_INPUT', 'give a config to time, or --reference (or --tiny-op)', {hint: 'scg bench configs/quickstart.yaml, or scg bench --reference --torch'});
    const loaded = args.config ? loadConfig(args.config, flags.set) : undefined;
    const requested = (flags.backend ?? loaded?.config.runtime.backend ?? 'auto') as BackendChoice;
    // torch threads its own kernels: --threads (or the config's runtime.threads) is libtorch's intra-op thread count.
    const torchThreads = flags.threads ?? (loaded ? wantedGanThreads(loaded.config) : os.availableParallelism());
    const backend = await initBackend(requested, {threads: torchThreads, device: flags.device ?? loaded?.config.runtime.device ?? 'auto'});
    this.note(describeBackend(backend));
    const report: {backend: string; threads: number; results: Record<string, BenchResult>; torch?: TorchTiming[]; ratio?: number; scaling?: number; waitMsPerStep?: number; tinyOpMicros?: number} = {backend: backend.name, threads: backend.threads, results: {}};
    const inProcessThreads = backend.name === 'torch' || backend.name === 'tensorflow';
    if (flags['tiny-op']) report.tinyOpMicros = tinyOpMicros();
    if (loaded) {
      for (const r of await benchExperiment(loaded.config, {steps: flags.steps, profile: flags.profile})) {
        report.results[r.name] = inProcessThreads ? {...r, threads: backend.threads} as BenchResult : r;
      }
    } else if (flags.reference) {
      const threads = inProcessThreads ? 1 : flags.threads ?? os.availableParallelism();
      const fitted = usableThreads(threads, flags.batch); // equal shards keep the per-row means exact
      if (fitted.note) this.note(`reference step: ${fitted.note}`);
      report.threads = inProcessThreads ? backend.threads : fitted.threads;
      const one = await startReferenceStep(flags.res, flags.batch, 1, backend.name);
      const many = fitted.threads > 1 ? await startReferenceStep(flags.res, flags.batch, fitted.threads, backend.name) : undefined;
      const timings: {one: BenchResult[]; many: BenchResult[]} = {one: [], many: []};
      const torch: TorchTiming[] = [];
      try {
        // Fresh worker threads start on V8's baseline wasm code and tier up in the background: warm them up first.
        for (let k = 0; k < 6; k++) many?.step();
        for (let round = 0; round < Math.max(flags.rounds, 1); round++) {
          timings.one.push(await benchmark(one, {steps: flags.steps, profile: flags.profile && round === 0}));
          if (many) timings.many.push(await benchmark(many, {steps: flags.steps}));
          if (flags.torch) torch.push(runTorchReference(flags.res, flags.batch, report.threads, flags.steps, backend.torch?.device ?? 'cpu'));
        }
        if (many) {
          const pairs = flags.steps * flags.rounds;
          const waited = many.group!.collective.waitedMs;
          report.scaling = pairedScaling(() => one.step(), () => many.step(), pairs);
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
      if (flags.torch) {
        report.torch = torch;
        const torchMedian = torch.map((t) => t.imagesPerSecond).sort((a, b) => a - b)[Math.floor(torch.length / 2)]!;
        report.ratio = report.results['reference']!.imagesPerSecond / torchMedian;
      }
    }
    if (!this.jsonEnabled()) {
      for (const [name, r] of Object.entries(report.results)) {
        this.log(line(name, r));
        for (const k of r.topKernels ?? []) this.log(`  ${k.kernel.padEnd(22)} ${k.ms.toFixed(0).padStart(6)} ms  ${String(k.calls).padStart(4)} calls  ${(100 * k.share).toFixed(1)}%`);
      }
      for (const t of report.torch ?? []) this.log(`torch ${t.torch} (${t.threads} threads): ${t.imagesPerSecond.toFixed(1)} img/s, step ${t.stepMs.toFixed(0)} ms`);
      if (report.scaling !== undefined) {
        this.log(`${report.threads} threads / 1 thread img/s: ${report.scaling.toFixed(2)} (thread 0 waited ${report.waitMsPerStep!.toFixed(0)} ms per step for the others)`);
      }
      if (report.ratio !== undefined) this.log(`scg (${backend.name}) / PyTorch img/s (${report.threads} threads each): ${report.ratio.toFixed(3)}`);
      if (report.tinyOpMicros !== undefined) this.log(`tiny op (tf.add of two [8] tensors + dispose): ${report.tinyOpMicros.toFixed(2)} µs median`);
    }
    return report;
  }
}
