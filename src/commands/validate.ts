// `scg validate <config>`: check a config and print it resolved, with every default filled in.
import {Args} from '@oclif/core';
import {stringify} from 'yaml';
import {BaseCommand, setFlag} from '../cli/base-command';
import {loadConfig} from '../config/load';
import type {ExperimentConfig} from '../config/types';
import {configHash} from '../core/identity';

export default class Validate extends BaseCommand {
  static override summary = 'Validate a config and print it resolved (defaults filled, overrides applied)';
  static override examples = [
    '<%= config.bin %> validate configs/pretrain.yaml',
    '<%= config.bin %> validate configs/pretrain.yaml --set seed=3 --json',
  ];
  static override args = {config: Args.string({description: 'experiment config (YAML)', required: true})};
  static override flags = {set: setFlag};

  async run(): Promise<{config: ExperimentConfig; hash: string}> {
    const {args, flags} = await this.parse(Validate);
    const {config} = loadConfig(args.config, flags.set);
    const hash = configHash(config);
    if (!this.jsonEnabled()) {
      this.log(`# ${args.config} is valid; run id ${hash}`);
      this.log(stringify(config).trimEnd());
    }
    return {config, hash};
  }
}
