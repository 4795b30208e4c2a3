// `scg eval <run>`: evaluate any GAN checkpoint of a run under any protocol; metrics are stored with it.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../cli/base-command';
import {PAPER_PROTOCOL_NAMES} from '../metrics/paper-protocols';
import {evaluators} from '../registry';
import {initBackend} from '../core/backend';
import {evaluateRunCheckpoint} from '../runtime/evaluate-run';
import {formatEval} from '../runtime/evaluate';
import {Store} from '../store/store';

export default class Eval extends BaseCommand {
  static override summary = "Evaluate a run's GAN checkpoint: FID, IS and R-precision, stored with their protocol";
  static override examples = [
    '<%= config.bin %> eval 3f2a9c',
    '<%= config.bin %> eval 3f2a9c --step 400 --samples 1000 --evaluator builtin --json',
    '<%= config.bin %> eval 3f2a9c --evaluator inception-v3 --inception-path ./inception-v3-tfjs',
    '<%= config.bin %> eval 3f2a9c --protocol paper-cub --fid-inception-path ./pt_inception-2015-12-05-6726825d.safetensors',
  ];
  static override args = {run: Args.string({description: 'run id or a unique prefix', required: true})};
  static override flags = {
    step: Flags.integer({description: 'GAN checkpoint step (default: the latest)'}),
    samples: Flags.integer({description: "generated images (default: the run's eval.samples)", min: 2}),
    evaluator: Flags.string({
      description: `feature network (default: the run's eval.evaluator); one of ${evaluators.names().join(', ')}`,
    }),
    protocol: Flags.string({
      description: "a paper's evaluation protocol (docs/evaluation.md); default: the run's eval.protocol",
      options: PAPER_PROTOCOL_NAMES,
    }),
    'fid-inception-path': Flags.string({
      description:
        "safetensors file of pytorch-fid's Inception (for fid-inception and the paper protocols; default: the run's eval.fidInceptionPath, else $SCG_FID_INCEPTION or ~/.cache/scg)",
    }),
    'inception-path': Flags.string({
      description:
        "folder of a converted InceptionV3 (for --evaluator inception-v3; default: the run's eval.inceptionPath)",
    }),
    ...storeFlags,
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Eval);
    if (flags.evaluator) evaluators.get(flags.evaluator);
    const store = Store.openExisting(dbPathOf(flags.db));
    try {
      const run = store.requireRun(args.run);
      await initBackend('auto');
      const r = await evaluateRunCheckpoint(store, run, {
        step: flags.step,
        samples: flags.samples,
        evaluator: flags.evaluator,
        inceptionPath: flags['inception-path'],
        protocol: flags.protocol,
        fidInceptionPath: flags['fid-inception-path'],
        log: (l) => this.note(l),
      });
      if (!this.jsonEnabled()) {
        this.log(`run ${run.id} step ${r.step}: ${formatEval(r.metrics)}`);
        this.log(
          `protocol ${r.protocolId}: evaluator ${r.protocol.evaluator} (weights ${r.protocol.weightsSha256.slice(0, 12)}…), ${r.protocol.nGenerated} generated vs ${r.protocol.nReal} real ${r.protocol.split} images at ${r.protocol.resolution} px, seed ${r.protocol.seed}`,
        );
      }
      return {runId: run.id, ...r};
    } finally {
      store.close();
    }
  }
}
