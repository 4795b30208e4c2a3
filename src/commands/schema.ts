// `scg schema`: print (or write) the experiment JSON Schema that editors and `scg validate` use.
import * as fs from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command';
import {configReference} from '../config/reference';
import {experimentSchema} from '../config/schema';
import {sweepSchema} from '../sweep/spec';

export default class Schema extends BaseCommand {
  static override summary = 'Print the experiment config JSON Schema (generated from the registries)';
  static override examples = [
    '<%= config.bin %> schema --out schema/experiment.schema.json --docs docs/config.md --sweep-out schema/sweep.schema.json',
  ];
  static override flags = {
    out: Flags.string({description: 'write the schema to this file instead of stdout'}),
    docs: Flags.string({description: 'also write the markdown config reference to this file'}),
    'sweep-out': Flags.string({description: 'also write the sweep file schema (scg ablate) to this file'}),
  };

  async run(): Promise<object> {
    const {flags} = await this.parse(Schema);
    const text = `${JSON.stringify(experimentSchema(), null, 2)}\n`;
    if (flags.docs) fs.writeFileSync(flags.docs, configReference());
    if (flags['sweep-out']) fs.writeFileSync(flags['sweep-out'], `${JSON.stringify(sweepSchema(), null, 2)}\n`);
    if (flags.out) fs.writeFileSync(flags.out, text);
    else if (!this.jsonEnabled() && !flags.docs && !flags['sweep-out']) process.stdout.write(text);
    return experimentSchema();
  }
}
