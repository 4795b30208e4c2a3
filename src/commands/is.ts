// `scg is <folder>`: Inception Score of an image folder with pytorch-fid's Inception (torch-fidelity's definition).
import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command';
import {initBackend} from '../core/backend';
import {isOfFolder} from '../runtime/folder-metrics';
import {batchFlag, skipBadImagesFlag, weightsFlag} from './fid';

export default class Is extends BaseCommand {
  static override summary = 'Inception Score of an image folder (searched recursively): mean and std over splits';
  static override examples = ['<%= config.bin %> is samples/', '<%= config.bin %> is samples/ --splits 10 --json'];
  static override args = {folder: Args.string({description: 'image folder', required: true})};
  static override flags = {
    splits: Flags.integer({description: 'sequential splits (IS is averaged over them)', default: 10, min: 1}),
    weights: weightsFlag,
    batch: batchFlag,
    'skip-bad': skipBadImagesFlag,
  };

  async run(): Promise<object> {
    const {args, flags} = await this.parse(Is);
    await initBackend('auto');
    const r = await isOfFolder(args.folder, flags.splits, {
      weights: flags.weights,
      batch: flags.batch,
      skipBad: flags['skip-bad'],
      quiet: this.jsonEnabled(),
      log: (l) => this.note(l),
    });
    if (!this.jsonEnabled())
      this.log(`IS: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} (${r.images} images, ${r.splits} splits)`);
    return r;
  }
}
