// `scg data preview <config> --out grid.png`: look at the dataset a config trains on, captions and labels included.
import {Args, Flags} from '@oclif/core';
import {BaseCommand, setFlag} from '../../cli/base-command';
import {loadConfig} from '../../config/load';
import {datasets} from '../../registry';
import {writeDatasetPreview} from '../../report/dataset-preview';

export default class DataPreview extends BaseCommand {
  static override summary = 'Write a captioned grid of dataset images (label in brackets, then a caption)';
  static override examples = [
    '<%= config.bin %> data preview configs/pretrain.yaml --out grid.png',
    '<%= config.bin %> data preview configs/pretrain.yaml --set dataset.name=shapes-multi --split test --n 24 --out multi.png',
  ];
  static override args = {config: Args.string({description: 'experiment config (YAML)', required: true})};
  static override flags = {
    out: Flags.string({description: 'PNG file to write', required: true}),
    n: Flags.integer({description: 'number of images', default: 16, min: 1, max: 256}),
    split: Flags.string({description: 'which split', options: ['train', 'test'], default: 'train'}),
    set: setFlag,
  };

  async run(): Promise<{out: string; images: number; width: number; height: number}> {
    const {args, flags} = await this.parse(DataPreview);
    const {config} = loadConfig(args.config, flags.set);
    const ds = await datasets.get(config.dataset.name).build(config.dataset);
    const {images, ...size} = await writeDatasetPreview(ds, flags.split as 'train' | 'test', flags.n, flags.out);
    if (!this.jsonEnabled()) this.log(`wrote ${flags.out} (${images} images, ${size.width}x${size.height})`);
    return {out: flags.out, images, ...size};
  }
}
