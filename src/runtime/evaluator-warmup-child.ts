// The background process of evaluator-warmup.ts: builds a run's evaluator once (which trains and caches its
// weights), reports to the run, and exits.
import {initBackend} from '../core/backend';
import {datasets, evaluators} from '../registry';
import {runEvaluator} from './evaluate';
import type {WarmupMessage, WarmupRequest} from './evaluator-warmup';

const send = (m: WarmupMessage) => process.send?.(m);
/** Reports the last message, then exits once it has gone out. */
const finish = (m: WarmupMessage, code: number) => {
  if (process.send) process.send(m, () => process.exit(code));
  else process.exit(code);
};

async function warmUp(req: WarmupRequest): Promise<void> {
  const {config, cacheDir} = req;
  await initBackend(req.backend, {threads: req.threads, device: 'cpu'});
  const dataset = await datasets.get(config.dataset.name).build(config.dataset, {log: () => undefined, quiet: true});
  const extractor = await evaluators
    .get(runEvaluator(config))
    .build({config, dataset, cacheDir, log: (line) => send({log: line})});
  extractor.dispose();
}

// The run is gone (it ended, or crashed): nothing is waiting for the weights any more.
process.on('disconnect', () => process.exit(0));
process.once('message', (req: WarmupRequest) => {
  const t0 = Date.now();
  warmUp(req).then(
    // maxRSS is in KiB
    () => finish({done: true, seconds: (Date.now() - t0) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024}, 0),
    (err: unknown) => finish({error: err instanceof Error ? err.message : String(err)}, 1),
  );
});
