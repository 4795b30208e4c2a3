// COCO-2014 from its official layout: train2014/, val2014/, annotations/captions_*.json and instances_*.json.
import {jsonArray, jsonField, readJsonFile} from '../../data/json-file';
import {Problems} from '../../data/problems';
import {buildRealDataset, defaultDatasetCache, requireRoot, type SourceItem} from '../../data/real-dataset';
import {
  commonDatasetProperties,
  damsmMaskProperty,
  type DatasetBuildOptions,
  type DatasetSection,
  defineDataset,
} from './descriptor';
import {realDatasetProperties} from './real-properties';
import {defineProperties} from '../../core/json-schema';

/** The coco section, typed from its schema. */
export type CocoConfig = DatasetSection<typeof cocoProperties, 'root'>;

interface Categories {
  /** COCO category id → 0-based index (ids in ascending order). */
  index: Map<number, number>;
  names: string[];
}

function readCategories(root: string, rel: string, problems: Problems): Categories {
  const json = readJsonFile(root, rel, problems);
  const cats = jsonArray(json, 'categories', rel, problems)
    .map((c, i) => ({
      id: jsonField(c, 'id', 'number', `${rel} categories[${i}]`, problems),
      name: jsonField(c, 'name', 'string', `${rel} categories[${i}]`, problems),
    }))
    .sort((a, b) => a.id - b.id);
  if (cats.length === 0) problems.fatal(rel, 'has no categories');
  return {index: new Map(cats.map((c, i) => [c.id, i])), names: cats.map((c) => c.name)};
}

/** One split's items: images of the captions file, their captions, and label sets from the instances file. */
function readSplit(
  root: string,
  split: 'train2014' | 'val2014',
  cfg: CocoConfig,
  categories: Categories | undefined,
  problems: Problems,
): {items: SourceItem[]; categories: Categories} {
  const capRel = `annotations/captions_${split}.json`;
  const insRel = `annotations/instances_${split}.json`;
  const captionsJson = readJsonFile(root, capRel, problems);
  const images = jsonArray(captionsJson, 'images', capRel, problems).map((im, i) => ({
    id: jsonField(im, 'id', 'number', `${capRel} images[${i}]`, problems),
    file: jsonField(im, 'file_name', 'string', `${capRel} images[${i}]`, problems),
    i,
  }));
  const captions = new Map<number, string[]>();
  jsonArray(captionsJson, 'annotations', capRel, problems).forEach((a, i) => {
    const id = jsonField(a, 'image_id', 'number', `${capRel} annotations[${i}]`, problems);
    const text = jsonField(a, 'caption', 'string', `${capRel} annotations[${i}]`, problems);
    captions.set(id, [...(captions.get(id) ?? []), text.trim()]);
  });
  const instancesJson = readJsonFile(root, insRel, problems);
  const cats = categories ?? readCategories(root, insRel, problems);
  const labels = new Map<number, Set<number>>();
  const badCategory = new Map<number, string>();
  jsonArray(instancesJson, 'annotations', insRel, problems).forEach((a, i) => {
    const where = `${insRel} annotations[${i}]`;
    const id = jsonField(a, 'image_id', 'number', where, problems);
    const cat = jsonField(a, 'category_id', 'number', where, problems);
    const index = cats.index.get(cat);
    if (index === undefined) {
      badCategory.set(id, `${where}: category_id ${cat} is not in the categories list`);
      return;
    }
    labels.set(id, (labels.get(id) ?? new Set()).add(index));
  });
  const limit = split === 'train2014' ? cfg.maxTrain : cfg.maxTest;
  const chosen = [...images].sort((a, b) => a.id - b.id).slice(0, limit > 0 ? limit : undefined);
  const items: SourceItem[] = [];
  for (const im of chosen) {
    const where = `${capRel} images[${im.i}] (id ${im.id})`;
    const bad = badCategory.get(im.id);
    if (bad) {
      problems.image(where, bad);
      continue;
    }
    const caps = captions.get(im.id) ?? [];
    if (caps.length < cfg.captionsPerImage) {
      problems.image(where, `has ${caps.length} caption(s), fewer than captionsPerImage ${cfg.captionsPerImage}`);
      continue;
    }
    const set = [...(labels.get(im.id) ?? [])].sort((a, b) => a - b);
    if (set.length === 0 && cfg.emptyLabels === 'drop') continue;
    items.push({where, file: `${split}/${im.file}`, captions: caps.slice(0, cfg.captionsPerImage), label: set});
  }
  return {items, categories: cats};
}

async function buildCoco(cfg: CocoConfig, opts: DatasetBuildOptions = {}) {
  const root = requireRoot(cfg.root, 'coco');
  const problems = new Problems(root, cfg.skipBad);
  const train = readSplit(root, 'train2014', cfg, undefined, problems);
  const test = readSplit(root, 'val2014', cfg, train.categories, problems);
  return buildRealDataset(
    {train: train.items, test: test.items, classNames: train.categories.names, labelKind: 'multi'},
    {
      name: 'coco',
      root,
      resolution: cfg.resolution,
      maxWords: cfg.maxWords,
      labelNoise: cfg.labelNoise,
      seed: cfg.seed,
      cacheDir: cfg.cacheDir || defaultDatasetCache(),
      problems,
      log: opts.log,
      quiet: opts.quiet,
      augment: cfg.augment,
      settings: {emptyLabels: cfg.emptyLabels, maxTrain: cfg.maxTrain, maxTest: cfg.maxTest, skipBad: cfg.skipBad},
    },
  );
}

const cocoProperties = defineProperties({
  ...commonDatasetProperties,
  ...damsmMaskProperty('none', "AttnGAN's COCO class ids are one per image"),
  ...realDatasetProperties,
  emptyLabels: {
    type: 'string',
    enum: ['drop', 'empty'],
    default: 'drop',
    description:
      "Images without any instance annotation: 'drop' them, or keep them with an empty label set (SupCon gives them no positives).",
  },
  maxTrain: {
    type: 'integer',
    minimum: 0,
    default: 0,
    description: 'Use only the first N training images by image id (0: all), e.g. to try scg on a subset.',
  },
  maxTest: {
    type: 'integer',
    minimum: 0,
    default: 0,
    description: 'Use only the first N val2014 images by image id (0: all).',
  },
});

export const coco = defineDataset({
  name: 'coco',
  summary:
    'COCO-2014 from its official layout at dataset.root (train2014 → train, val2014 → test); label set: the 80 object categories',
  labelKind: 'multi',
  schema: {properties: cocoProperties, required: ['root']},
  build: buildCoco,
});
