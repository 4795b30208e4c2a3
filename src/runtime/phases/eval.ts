// The eval phase: evaluate the final GAN checkpoint under the configured protocol (once per protocol).
import {evaluateRunCheckpoint} from '../evaluate-run';
import type {RunContext} from '../phase-loop';
import {formatEval} from '../evaluate';

export async function runEval(ctx: RunContext): Promise<void> {
  const r = await evaluateRunCheckpoint(ctx.store, ctx.run, {log: ctx.log});
  ctx.log(
    `eval @${r.step} (protocol ${r.protocolId}: ${r.protocol.evaluator}, ${r.protocol.nGenerated} generated vs ${r.protocol.nReal} real, ${r.protocol.resolution} px): ${formatEval(r.metrics)}`,
  );
}
