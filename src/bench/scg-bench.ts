// What `scg bench` measures: a config's pretraining and GAN steps, or the reference GAN step (with PyTorch's
// beside it), and the per-op cost, on the backend the flags or the config ask for.
import * as os from 'node:os';
import {loadConfig} from '../config/load';
import {type BackendChoice, describeBackend, initBackend} from '../core/backend';
import {setTorchThreads} from '../core/backends/torch';
import {ScgError} from '../errors';
import {wantedGanThreads} from '../runtime/parallel-phase';
import type {BenchResult} from './bench';
import {benchExperiment} from './experiment-bench';
import {benchReference, type BenchReport} from './reference-run';
import {tinyOpMicros} from './tiny-op';
import {adamUpdateMs} from './adam-update';
import {runTorchAdam} from './torch-peer';

export interface BenchRequest {
  config: string | undefined;
  sets: string[];
  reference: boolean;
  torch: boolean;
  tinyOp: boolean;
  /** Time one Adam update at paper scale (and PyTorch's with `torch`). */
  adam: boolean;
  steps: number;
  rounds: number;
  res: number;
  batch: number;
  threads: number | undefined;
  profile: boolean;
  backend: string | undefined;
  device: string | undefined;
  note(line: string): void;
}

/** Runs the benchmarks `r` asks for and returns the report (`scg bench --json` prints it). */
export async function runBench(r: BenchRequest): Promise<BenchReport> {
  if (!r.reference && !r.config && !r.tinyOp && !r.adam)
    throw new ScgError('BAD_INPUT', 'give a config to time, or --reference (or --tiny-op, --adam)', {
      hint: 'scg bench configs/quickstart.yaml, or scg bench --reference --torch',
    });
  const loaded = r.config ? loadConfig(r.config, r.sets) : undefined;
  const requested = (r.backend ?? loaded?.config.runtime.backend ?? 'auto') as BackendChoice;
  // torch threads its own kernels: --threads (or the config's runtime.threads) is libtorch's intra-op thread count.
  const torchThreads = r.threads ?? (loaded ? wantedGanThreads(loaded.config) : os.availableParallelism());
  const backend = await initBackend(requested, {
    threads: torchThreads,
    device: r.device ?? loaded?.config.runtime.device ?? 'auto',
  });
  r.note(describeBackend(backend));
  const report: BenchReport = {backend: backend.name, threads: backend.threads, results: {}};
  const inProcessThreads = backend.name === 'torch' || backend.name === 'tensorflow';
  if (r.tinyOp) report.tinyOpMicros = tinyOpMicros();
  if (r.adam) {
    report.adam = adamUpdateMs();
    if (r.torch) report.adam.torch = runTorchAdam(backend.threads, 5);
  }
  if (loaded) {
    // On torch each phase is also timed on one intra-op thread (rows `…-1-thread`), alternating with the N-thread
    // steps; native tensorflow keeps its own pool, so its rows are on all its threads.
    const intraOp =
      backend.name === 'torch' ? {threads: backend.threads, set: (n: number) => setTorchThreads(n)} : undefined;
    for (const res of await benchExperiment(loaded.config, {steps: r.steps, profile: r.profile, intraOp})) {
      report.results[res.name] =
        inProcessThreads && !intraOp ? ({...res, threads: backend.threads} as BenchResult) : res;
    }
  } else if (r.reference) {
    Object.assign(
      report,
      await benchReference({
        backend: backend.name,
        torchDevice: backend.torch?.device ?? 'cpu',
        threads: inProcessThreads ? 1 : (r.threads ?? os.availableParallelism()),
        reportThreads: inProcessThreads ? backend.threads : undefined,
        res: r.res,
        batch: r.batch,
        steps: r.steps,
        rounds: r.rounds,
        profile: r.profile,
        torch: r.torch,
        note: r.note,
      }),
    );
  }
  return report;
}
