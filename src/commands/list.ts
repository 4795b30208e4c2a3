// `scg list [kind]`: what the registries hold (datasets, backbones, contrastive modes, encoders, evaluators).
import {Args} from '@oclif/core';
import {BaseCommand} from '../cli/base-command';
import {ScgError} from '../errors';
import {didYouMean} from '../core/suggest';
import {registries} from '../registry';

type Listing = Record<string, {name: string; summary: string}[]>;

export default class List extends BaseCommand {
  static override summary = 'List registered datasets, backbones, contrastive modes, encoders and evaluators';
  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list backbones',
    '<%= config.bin %> list contrastive --json',
  ];
  static override args = {kind: Args.string({description: `one of: ${Object.keys(registries).join(', ')}`})};

  async run(): Promise<Listing> {
    const {args} = await this.parse(List);
    const kinds = Object.keys(registries);
    if (args.kind && !(args.kind in registries)) {
      throw new ScgError('BAD_INPUT', `unknown kind '${args.kind}'; kinds: ${kinds.join(', ')}`, {
        hint: didYouMean(args.kind, kinds) || undefined,
      });
    }
    const out: Listing = {};
    for (const kind of args.kind ? [args.kind] : kinds) {
      out[kind] = registries[kind]!.list().map((d) => ({name: d.name, summary: d.summary}));
      if (this.jsonEnabled()) continue;
      this.log(`${kind}:`);
      if (out[kind]!.length === 0) this.log('  (none registered yet)');
      const width = Math.max(0, ...out[kind]!.map((d) => d.name.length));
      for (const d of out[kind]!) this.log(`  ${d.name.padEnd(width)}  ${d.summary}`);
    }
    return out;
  }
}
