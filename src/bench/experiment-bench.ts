// Benchmarks of a config's training steps: the pretraining step and the GAN step (with fresh encoders), each on
// one thread and, where the config trains data-parallel or torch threads its kernels, on all its threads.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type {ExperimentConfig} from '../config/types';
import {datasets} from '../registry';
import {writeCheckpoint} from '../core/checkpoint';
import {buildPretrain} from '../runtime/phases/pretrain';
import {frozenWeightsExtra} from '../runtime/pretrained-encoders';
import {buildGan} from '../runtime/phases/gan-trainer';
import {
  type ParallelPhase,
  phaseThreads,
  type ShardableModel,
  startParallelPhase,
  trainingOnly,
} from '../runtime/parallel-phase';
import {startParallelGan} from '../runtime/phases/gan-shard';
import {benchmark, type BenchResult, pairedScaling, type Timed} from './bench';

export interface PhaseBench extends BenchResult {
  /** `pretrain` or `train` (on the config's threads), or `pretrain-1-thread` / `train-1-thread`. */
  name: string;
  threads: number;
  /**
   * Rows on N threads (data-parallel workers, or torch's intra-op threads): one-thread over N-thread median step
   * time, from steps timed in strict alternation.
   */
  scaling?: number;
}

/** A backend that threads its own kernels (torch): how many it uses, and how to change that between steps. */
export interface IntraOpThreads {
  threads: number;
  set(n: number): void;
}

/**
 * Times `steps` pretraining steps and `steps` GAN steps of the config (GAN on untrained encoders: same cost), each
 * on one thread and, where the config trains data-parallel or `intraOp` has several threads, on its threads too.
 */
export async function benchExperiment(
  config: ExperimentConfig,
  opts: {steps: number; profile: boolean; intraOp?: IntraOpThreads | undefined},
): Promise<PhaseBench[]> {
  const dataset = await datasets.get(config.dataset.name).build(config.dataset);
  const pre = await buildPretrain(config, dataset);
  const out: PhaseBench[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-bench-'));
  const intraOp = opts.intraOp && opts.intraOp.threads > 1 ? opts.intraOp : undefined;
  /**
   * The phase in this process. With intra-op threads (torch), on one thread as well, and their scaling from steps
   * timed in alternation: whether the second core pays for these kernel sizes.
   */
  const inProcess = async (name: string, t: Timed) => {
    const r = await benchmark(t, opts);
    if (!intraOp) {
      out.push({name, threads: 1, ...r});
      return;
    }
    const {threads, set} = intraOp;
    try {
      set(1);
      out.push({name: `${name}-1-thread`, threads: 1, ...(await benchmark(t, {...opts, profile: false}))});
      const scaling = pairedScaling(t.step, t.step, 3 * opts.steps, {one: () => set(1), many: () => set(threads)});
      out.push({name, threads, ...r, scaling});
    } finally {
      set(threads);
    }
  };
  /** The phase on its data-parallel threads (no forward-only variant: that is the one-thread row's). */
  const parallel = async (
    name: string,
    threads: number,
    oneStep: (index: number) => void,
    model: ShardableModel & {dispose(): void},
    start: () => Promise<ParallelPhase>,
  ) => {
    const group = await start();
    try {
      let j = 0;
      // Fresh worker threads start on V8's baseline wasm code and tier up in the background: warm up longer.
      const r = await benchmark(
        {step: () => group.step(j++), forward: () => undefined, imagesPerStep: group.imagesPerStep},
        {...opts, profile: false, warmup: 8},
      );
      let k = 0;
      const scaling = pairedScaling(
        () => oneStep(k++),
        () => group.step(j++),
        3 * opts.steps,
      );
      out.push({name, threads, ...r, forwardMs: NaN, stepOverForward: NaN, scaling});
    } finally {
      await group.close();
      model.dispose();
    }
  };
  try {
    // Pretraining on the thread count a run would use (by default the GAN's): the measurement behind that default.
    const preThreads = phaseThreads(config, 'pretrain').threads;
    let i = 0;
    await inProcess(preThreads > 1 ? 'pretrain-1-thread' : 'pretrain', {
      step: () => pre.step(i++),
      forward: () => pre.losses(i),
      imagesPerStep: pre.imagesPerStep,
    });
    if (preThreads > 1) {
      const rank0 = await buildPretrain(config, dataset, {rank: 0, size: preThreads});
      await parallel(
        'pretrain',
        preThreads,
        (k) => pre.step(1000 + k),
        rank0,
        () =>
          startParallelPhase(
            rank0,
            {
              module: require.resolve('../runtime/phases/pretrain'),
              factory: 'pretrainShard',
              args: {config, dataset: trainingOnly(dataset)},
            },
            preThreads,
          ),
      );
    }
    const ganThreads = phaseThreads(config, 'train').threads;
    const gan = buildGan(config, dataset, pre.encoders);
    try {
      let j = 0;
      await inProcess(ganThreads > 1 ? 'train-1-thread' : 'train', {
        step: () => gan.step(j++),
        forward: () => gan.losses(j),
        imagesPerStep: gan.imagesPerStep,
      });
      if (ganThreads > 1) {
        // Worker threads rebuild the encoders from a checkpoint, as in a run.
        const file = path.join(dir, 'encoders.ckpt');
        const {sha256} = writeCheckpoint(
          file,
          {
            runId: 'bench',
            configHash: 'bench',
            phase: 'pretrain',
            step: 0,
            rng: {seed: config.seed, scheme: 'keyed-sfc32'},
            extra: frozenWeightsExtra(pre.encoders),
          },
          pre.params.variables,
        );
        const rank0 = buildGan(config, dataset, pre.encoders, {rank: 0, size: ganThreads});
        await parallel(
          'train',
          ganThreads,
          (k) => gan.step(1000 + k),
          rank0,
          () =>
            startParallelGan(
              rank0,
              config,
              dataset,
              {kind: 'checkpoint', config: config.encoders, vocabSize: dataset.vocab.size, checkpoint: file, sha256},
              ganThreads,
            ),
        );
      }
    } finally {
      gan.dispose();
    }
  } finally {
    pre.dispose();
    fs.rmSync(dir, {recursive: true, force: true});
  }
  return out;
}
