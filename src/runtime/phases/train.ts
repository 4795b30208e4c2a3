// Paper phase 2: GAN training on two parameter-sharing branches (one image, two captions), with the frozen
// pretrained encoders providing the text codes, DAMSM, and the codes that λ2 × contrastive acts on. The step
// itself is \`ganStep\` (gan-step.ts); the state it updates is \`buildGan\` (gan-trainer.ts).
import {cacheDirOf} from '../evaluate-run';
import {evaluateGenerator, formatEval} from '../evaluate';
import {type RunContext, runPhaseLoop} from '../phase-loop';
import {type ParallelPhase, phaseThreads} from '../parallel-phase';
import {loadPretrainedEncoders} from '../pretrained-encoders';
import {writeSampleGrid} from '../sample-grid';
import {buildGan} from './gan-trainer';
import {startParallelGan} from './gan-shard';

/** Runs (or resumes) the GAN phase of a run. */
export async function runTrain(ctx: RunContext): Promise<void> {
  const pre = await loadPretrainedEncoders(ctx.store, ctx.run, ctx.config, ctx.dataset.vocab);
  ctx.log(`train: frozen encoders from ${pre.origin}`);
  if (pre.unknownWords.length)
    ctx.log(
      `train: warning: the encoders do not know ${pre.unknownWords.length} dataset word(s), encoded as their unknown token: ${pre.unknownWords.slice(0, 20).join(', ')}${pre.unknownWords.length > 20 ? ', …' : ''}`,
    );
  const {threads, note} = phaseThreads(ctx.config, 'train');
  if (note) ctx.log(`train: ${note}`);
  const trainer = buildGan(ctx.config, ctx.dataset, pre.encoders, {rank: 0, size: threads});
  const t = ctx.config.train;
  const evaluating = ctx.config.phases.includes('eval');
  let parallel: ParallelPhase | undefined;
  try {
    if (threads > 1) {
      parallel = await startParallelGan(trainer, ctx.config, ctx.dataset, pre.source, threads);
      ctx.log(`train: data-parallel over ${threads} threads, ${t.batchSize / threads} images (× 2 captions) each`);
    }
    await runPhaseLoop(ctx, parallel ?? trainer, {
      phase: 'train',
      steps: t.steps,
      checkpointEvery: t.checkpointEvery,
      logEvery: t.logEvery,
      derivedPhases: ['eval'],
      afterStep: async (completed) => {
        if (completed % ctx.config.eval.every !== 0 && completed !== t.steps) return;
        await writeSampleGrid(ctx, trainer, pre.encoders, completed);
        // The final step is evaluated by the eval phase, from the checkpoint, like `scg eval` would.
        if (evaluating && completed < t.steps) {
          const r = await evaluateGenerator({
            store: ctx.store,
            runId: ctx.run.id,
            step: completed,
            config: ctx.config,
            dataset: ctx.dataset,
            model: trainer.model,
            ema: trainer.ema,
            encoders: pre.encoders,
            cacheDir: cacheDirOf(ctx.store),
            log: ctx.log,
          });
          ctx.progress.log(`eval @${completed}: ${formatEval(r.metrics)}`);
        }
      },
    });
  } finally {
    await parallel?.close();
    trainer.dispose();
    pre.dispose();
  }
}
