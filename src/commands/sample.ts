// `scg sample <run> --text "..." --out file.png`: draw images for a caption from a trained run.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../cli/base-command';
import {sampleFromRun, type SampleResult} from '../runtime/sample-run';

export default class Sample extends BaseCommand {
  static override summary = 'Draw images for a caption from a trained run (latest GAN checkpoint, or --step)';
  static override examples = [
    '<%= config.bin %> sample 3f2a9c --text "a small red circle" --out red.png',
    '<%= config.bin %> sample 3f2a9c --text "a large blue square on a dark background" --n 16 --seed 2 --step 400 --out blue.png',
  ];
  static override args = {run: Args.string({description: 'run id or a unique prefix', required: true})};
  static override flags = {
    text: Flags.string({description: 'the caption', required: true}),
    out: Flags.string({description: 'PNG file to write', required: true}),
    n: Flags.integer({description: 'images to draw', default: 8, min: 1, max: 64}),
    seed: Flags.integer({description: 'noise seed', default: 1}),
    step: Flags.integer({description: 'use the GAN checkpoint of this step (default: the latest)'}),
    ...storeFlags,
  };

  async run(): Promise<SampleResult> {
    const {args, flags} = await this.parse(Sample);
    const result = await sampleFromRun({
      dbPath: dbPathOf(flags.db),
      run: args.run,
      text: flags.text,
      n: flags.n,
      seed: flags.seed,
      step: flags.step,
      out: flags.out,
    });
    if (result.unknownWords.length)
      this.note(`warning: not in the run's vocabulary (drawn as <unk>): ${result.unknownWords.join(', ')}`);
    if (!this.jsonEnabled())
      this.log(`wrote ${result.out} (${flags.n} images from run ${result.runId}, step ${result.step})`);
    return result;
  }
}
