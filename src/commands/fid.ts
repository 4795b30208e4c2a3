// `scg fid <A> <B>`: FID between two image folders or .npz statistics with pytorch-fid's Inception.
import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command';
import {initBackend} from '../core/backend';
import {ScgError} from '../errors';
import {type FidResult, fidOfInputs} from '../runtime/folder-metrics';

export const weightsFlag = Flags.string({
  description:
    'FID Inception weights (safetensors from scripts/convert-pt-inception.py; default: $SCG_FID_INCEPTION or ~/.cache/scg/pt_inception-2015-12-05-6726825d.safetensors)',
});
export const batchFlag = Flags.integer({description: 'images per forward pass', default: 50, min: 1});
export const skipBadImagesFlag = Flags.boolean({
  description: 'leave out unreadable image files (each named on stderr)',
});

export default class Fid extends BaseCommand {
  static override summary =
    "FID between two image folders (searched recursively) or .npz statistics, with pytorch-fid's FID Inception";
  static override examples = [
    '<%= config.bin %> fid samples/ real-test/',
    '<%= config.bin %> fid samples/ coco_val256_FIDK0.npz --batch 100 --json',
    '<%= config.bin %> fid real-test/ --save-stats cub-test.npz',
  ];
  static override args = {
    a: Args.string({description: 'image folder or .npz with mu and sigma', required: true}),
    b: Args.string({description: 'image folder or .npz (may be left out with --save-stats)'}),
  };
  static override flags = {
    weights: weightsFlag,
    batch: batchFlag,
    'save-stats': Flags.string({description: "write A's statistics (mu, sigma; float64 npz as pytorch-fid writes)"}),
    'skip-bad': skipBadImagesFlag,
  };

  async run(): Promise<FidResult> {
    const {args, flags} = await this.parse(Fid);
    if (args.b === undefined && !flags['save-stats'])
      throw new ScgError('BAD_INPUT', 'scg fid needs two inputs (A and B), or one with --save-stats', {
        hint: 'scg fid samples/ real/   or   scg fid real/ --save-stats real.npz',
      });
    await initBackend('auto');
    const r = await fidOfInputs(args.a, args.b, {
      weights: flags.weights,
      batch: flags.batch,
      skipBad: flags['skip-bad'],
      saveStats: flags['save-stats'],
      quiet: this.jsonEnabled(),
      log: (l) => this.note(l),
    });
    if (!this.jsonEnabled()) {
      if (r.savedStats) this.note(`wrote statistics of ${args.a} to ${r.savedStats}`);
      if (r.offset) this.note(`covariance product near-singular: both diagonals got an offset of ${r.offset}`);
      if (r.fid !== undefined) this.log(`FID: ${r.fid.toFixed(4)}`);
    }
    return r;
  }
}
