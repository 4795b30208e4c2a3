// `scg data inspect <config>`: counts, classes, captions, vocabulary and bad files of the dataset a config points at.
import * as path from 'node:path';
import {Args, Flags} from '@oclif/core';
import {BaseCommand, setFlag, skipBadFlag, withSkipBad} from '../../cli/base-command';
import {loadConfig} from '../../config/load';
import {inspectDataset, type InspectResult} from '../../data/inspect';
import {datasets} from '../../registry';
import {writeDatasetPreview} from '../../report/dataset-preview';

export default class DataInspect extends BaseCommand {
  static override summary =
    'Report a dataset: images per split and class, captions per image, vocabulary, caption lengths, bad files; writes a preview grid';
  static override examples = [
    '<%= config.bin %> data inspect configs/cub.yaml --set dataset.root=/data/CUB_200_2011',
    '<%= config.bin %> data inspect configs/coco.yaml --skip-bad --json',
  ];
  static override args = {config: Args.string({description: 'experiment config (YAML)', required: true})};
  static override flags = {
    preview: Flags.string({description: 'PNG preview grid to write (default: <dataset>-preview.png)'}),
    'skip-bad': skipBadFlag,
    set: setFlag,
  };

  async run(): Promise<InspectResult & {preview: string}> {
    const {args, flags} = await this.parse(DataInspect);
    const {config} = loadConfig(args.config, withSkipBad(flags.set, flags['skip-bad']));
    const ds = await datasets
      .get(config.dataset.name)
      .build(config.dataset, {quiet: this.jsonEnabled(), log: (l) => this.note(l)});
    const result = inspectDataset(ds);
    const preview = flags.preview ?? `${ds.name}-preview.png`;
    await writeDatasetPreview(ds, 'train', 16, preview);
    if (!this.jsonEnabled()) {
      const s = result.splits;
      this.log(
        `dataset ${result.dataset} (${result.labelKind === 'single' ? 'one label per image' : 'label sets'}, ${result.classes} ${result.labelKind === 'single' ? 'classes' : 'categories'}, ${result.resolution} px)`,
      );
      for (const [name, st] of Object.entries(s)) {
        this.log(
          `  ${name}: ${st.images} images, captions per image ${st.captionsPerImage.min}–${st.captionsPerImage.max} (mean ${st.captionsPerImage.mean.toFixed(2)})${st.emptyLabelSets !== undefined ? `, ${st.emptyLabelSets} with an empty label set` : ''}`,
        );
      }
      this.log(
        `  vocabulary: ${result.vocabulary} words (from train captions); captions longer than maxWords ${result.maxWords}: ${result.truncated}`,
      );
      this.log(
        `  caption length (words): ${Object.entries(result.captionLengths)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}`,
      );
      const perClass = Object.keys(s.train.perClass).map((c) => `${c} ${s.train.perClass[c]}/${s.test.perClass[c]}`);
      this.log(
        `  per ${result.labelKind === 'single' ? 'class' : 'category'} (train/test): ${perClass.slice(0, 20).join(', ')}${perClass.length > 20 ? `, … (${perClass.length - 20} more; --json lists all)` : ''}`,
      );
      this.log(result.skipped.length ? `  bad items left out: ${result.skipped.length}` : '  bad items: none');
      for (const p of result.skipped.slice(0, 50)) this.log(`    ${p.where}: ${p.message}`);
      if (result.skipped.length > 50) this.log(`    … ${result.skipped.length - 50} more (--json lists all)`);
      this.log(`wrote ${path.resolve(preview)}`);
    }
    return {...result, preview: path.resolve(preview)};
  }
}
