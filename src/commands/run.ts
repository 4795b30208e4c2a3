// `scg run <config>`: train one experiment (all its phases), tracked in experiments.db, resumable.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf, setFlag, skipBadFlag, withSkipBad} from '../cli/base-command';
import {loadConfig} from '../config/load';
import {runExperiment, type RunResult} from '../runtime/run';

export default class Run extends BaseCommand {
  static override summary = 'Train one experiment from a YAML config (resumes an unfinished run of the same config)';
  static override examples = [
    '<%= config.bin %> run configs/pretrain.yaml',
    '<%= config.bin %> run configs/pretrain.yaml --set contrastive.mode=ntxent --set pretrain.steps=50',
    '<%= config.bin %> run configs/pretrain.yaml --force --json',
    '<%= config.bin %> run configs/dmgan-shapes.yaml --share-pretraining',
  ];
  static override args = {config: Args.string({description: 'experiment config (YAML)', required: true})};
  static override flags = {
    set: setFlag,
    ...storeFlags,
    force: Flags.boolean({description: 'start a new attempt even if this config already completed'}),
    'share-pretraining': Flags.boolean({
      description:
        'take the encoders of a stored run with the same pretraining (seed, dataset, encoders, contrastive, pretrain sections) instead of pretraining again',
    }),
    'skip-bad': skipBadFlag,
  };

  async run(): Promise<RunResult> {
    const {args, flags} = await this.parse(Run);
    const loaded = loadConfig(args.config, withSkipBad(flags.set, flags['skip-bad']));
    const result = await runExperiment(loaded, {
      dbPath: dbPathOf(flags.db),
      force: flags.force,
      quiet: this.jsonEnabled(),
      sharePretraining: flags['share-pretraining'],
    });
    if (!this.jsonEnabled()) {
      for (const [phase, values] of Object.entries(result.final)) {
        this.log(
          `${phase}: ${Object.entries(values)
            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
            .join('  ')}`,
        );
      }
      this.log(
        `run ${result.runId}: ${result.status} (${result.action}, ${result.checkpoints} checkpoints, ${result.seconds.toFixed(1)} s, backend ${result.backend})`,
      );
    }
    if (result.status === 'interrupted') {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(130);
    }
    return result;
  }
}
