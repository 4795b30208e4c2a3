// Evaluates a stored GAN checkpoint of a run (the eval phase, and `scg eval` under any protocol).
import * as path from 'node:path';
import {checkEvalProtocol} from '../config/load';
import {datasets} from '../registry';
import type {RunRow, Store} from '../store/store';
import {evaluateGenerator, type EvaluationResult} from './evaluate';
import {loadTrainedGenerator} from './trained-generator';

/** Where evaluator weights and real-image statistics are cached: `cache/` next to the store. */
export function cacheDirOf(store: Store): string {
  return path.join(store.artifactsRoot, 'cache');
}

export async function evaluateRunCheckpoint(
  store: Store,
  run: RunRow,
  opts: {
    step?: number | undefined;
    samples?: number | undefined;
    evaluator?: string | undefined;
    inceptionPath?: string | undefined;
    /** A paper protocol to evaluate under (scg eval --protocol), checked against the run's config. */
    protocol?: string | undefined;
    fidInceptionPath?: string | undefined;
    log(line: string): void;
  },
): Promise<EvaluationResult & {step: number}> {
  const gen = await loadTrainedGenerator(store, run, opts.step);
  try {
    const dataset = await datasets.get(gen.config.dataset.name).build(gen.config.dataset);
    const config = {
      ...gen.config,
      eval: {
        ...gen.config.eval,
        ...(opts.inceptionPath ? {inceptionPath: opts.inceptionPath} : {}),
        ...(opts.fidInceptionPath ? {fidInceptionPath: opts.fidInceptionPath} : {}),
        ...(opts.protocol ? {protocol: opts.protocol} : {}),
      },
    };
    if (opts.protocol)
      checkEvalProtocol({...config, phases: ['eval']}, `run ${run.id} under --protocol ${opts.protocol}`);
    const result = await evaluateGenerator({
      store,
      runId: run.id,
      step: gen.checkpoint.step,
      config,
      dataset,
      model: gen.model,
      ema: gen.ema,
      encoders: gen.pre.encoders,
      samples: opts.samples,
      evaluator: opts.evaluator,
      cacheDir: cacheDirOf(store),
      log: opts.log,
    });
    return {...result, step: gen.checkpoint.step};
  } finally {
    gen.dispose();
  }
}
