// `scg schema`: print (or write) the experiment JSON Schema that editors and `scg validate` use.
import * as fs from 'node:fs';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command';
import {experimentSchema} from '../config/schema';

export default class Schema extends BaseCommand {
  static override summary = 'Print the experiment config JSON Schema (generated from the registries)';
  static override examples = ['<%= config.bin %> schema --out schema/experiment.schema.json'];
  static override flags = {out: Flags.string({description: 'write to this file instead of stdout'})};

  async run(): Promise<object> {
    const {flags} = await this.parse(Schema);
    const text = `${JSON.stringify(experimentSchema(), null, 2)}\n`;
    if (flags.out) fs.writeFileSync(flags.out, text);
    else if (!this.jsonEnabled()) process.stdout.write(text);
    return experimentSchema();
  }
}
