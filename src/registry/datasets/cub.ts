// CUB-200-2011 from its official layout (images/, images.txt, classes.txt, ...) plus the birds caption files (text/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {Problems} from '../../data/problems';
import {buildRealDataset, defaultDatasetCache, requireRoot, type SourceItem} from '../../data/real-dataset';
import {intCol, numCol, readTable} from '../../data/table-file';
import {
  commonDatasetProperties,
  damsmMaskProperty,
  type DatasetBuildOptions,
  type DatasetSection,
  defineDataset,
} from './descriptor';
import {realDatasetProperties} from './real-properties';
import {defineProperties} from '../../core/json-schema';

/** The cub section, typed from its schema. */
export type CubConfig = DatasetSection<typeof cubProperties, 'root'>;

/** The first `n` non-empty lines of a caption file; fewer is a per-image problem. */
function readCaptions(file: string, rel: string, n: number, problems: Problems): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    problems.image(rel, `caption file missing (expected ${file})`);
    return undefined;
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length < n) {
    problems.image(rel, `has ${lines.length} caption line(s), fewer than captionsPerImage ${n}`);
    return undefined;
  }
  return lines.slice(0, n);
}

/**
 * The 50 test classes of the class-disjoint split that text-to-image papers use (Reed et al. 2016), shipped with
 * scg: `split: classes` takes them unless `testClasses` names another list.
 */
export const PAPER_TEST_CLASSES = path.resolve(__dirname, '../../../../data/cub/test-classes.txt');

/** Test classes for the class-disjoint split: one class folder name or class id per line. */
function readTestClasses(file: string, byFolder: Map<string, number>, problems: Problems): Set<number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return problems.fatal(
      'dataset.testClasses',
      `cannot read ${file}`,
      'list one class folder name (e.g. 001.Black_footed_Albatross) or class id per line',
    );
  }
  const out = new Set<number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const id =
      byFolder.get(line) ??
      (/^\d+$/.test(line) && [...byFolder.values()].includes(Number(line)) ? Number(line) : undefined);
    if (id === undefined)
      problems.fatal(
        `${file}:${i + 1}`,
        `'${line}' is not a class of classes.txt`,
        file === PAPER_TEST_CLASSES
          ? "this list names CUB-200-2011's class folders: check that dataset.root is that dataset, or set dataset.testClasses to your own list (or dataset.split: official)"
          : undefined,
      );
    out.add(id);
  });
  if (out.size === 0) problems.fatal(file, 'lists no classes');
  return out;
}

async function buildCub(cfg: CubConfig, opts: DatasetBuildOptions = {}) {
  const root = requireRoot(cfg.root, 'cub');
  const problems = new Problems(root, cfg.skipBad);
  const classes = readTable(root, 'classes.txt', 2, problems);
  const classIndex = new Map<number, number>(); // CUB class id → 0-based index
  const byFolder = new Map<string, number>();
  classes.forEach((r, i) => {
    const id = intCol(r, 0, 'classes.txt', problems);
    if (classIndex.has(id)) problems.fatal(`classes.txt:${r.line}`, `class id ${id} appears twice`);
    classIndex.set(id, i);
    byFolder.set(r.cols[1]!, id);
  });
  const classNames = classes.map((r) => r.cols[1]!.replace(/^\d+\./, '').replace(/_/g, ' '));
  const images = readTable(root, 'images.txt', 2, problems);
  const labelOf = new Map(
    readTable(root, 'image_class_labels.txt', 2, problems).map((r) => [
      intCol(r, 0, 'image_class_labels.txt', problems),
      r,
    ]),
  );
  const isTrain = new Map(
    readTable(root, 'train_test_split.txt', 2, problems).map((r) => [
      intCol(r, 0, 'train_test_split.txt', problems),
      intCol(r, 1, 'train_test_split.txt', problems) === 1,
    ]),
  );
  const boxes = cfg.cropToBox
    ? new Map(
        readTable(root, 'bounding_boxes.txt', 5, problems).map((r) => [
          intCol(r, 0, 'bounding_boxes.txt', problems),
          {
            x: numCol(r, 1, 'bounding_boxes.txt', problems),
            y: numCol(r, 2, 'bounding_boxes.txt', problems),
            width: numCol(r, 3, 'bounding_boxes.txt', problems),
            height: numCol(r, 4, 'bounding_boxes.txt', problems),
          },
        ]),
      )
    : undefined;
  const textRoot = cfg.textRoot || path.join(root, 'text');
  if (!fs.existsSync(textRoot))
    problems.fatal(
      'text/',
      `caption folder missing (expected ${textRoot})`,
      'CUB captions come from the birds text files (text/<class folder>/<image>.txt, 10 lines each); set dataset.textRoot if they live elsewhere',
    );
  const testClasses =
    cfg.split === 'classes'
      ? readTestClasses(cfg.testClasses ? path.resolve(root, cfg.testClasses) : PAPER_TEST_CLASSES, byFolder, problems)
      : undefined;
  const train: SourceItem[] = [];
  const test: SourceItem[] = [];
  for (const r of images) {
    const where = `images.txt:${r.line}`;
    const id = intCol(r, 0, 'images.txt', problems);
    const rel = r.cols[1]!;
    const labelRow = labelOf.get(id);
    if (!labelRow) {
      problems.image(where, `image ${id} has no row in image_class_labels.txt`);
      continue;
    }
    const classId = intCol(labelRow, 1, 'image_class_labels.txt', problems);
    const label = classIndex.get(classId);
    if (label === undefined) {
      problems.image(
        `image_class_labels.txt:${labelRow.line}`,
        `class ${classId} is not in classes.txt (ids ${Math.min(...classIndex.keys())}..${Math.max(...classIndex.keys())})`,
      );
      continue;
    }
    const box = boxes?.get(id);
    if (boxes && !box) {
      problems.image(where, `image ${id} has no row in bounding_boxes.txt (needed by cropToBox)`);
      continue;
    }
    const captionRel = path.join('text', rel.replace(/\.[^.]+$/, '.txt'));
    const captions = readCaptions(
      path.join(textRoot, rel.replace(/\.[^.]+$/, '.txt')),
      captionRel,
      cfg.captionsPerImage,
      problems,
    );
    if (!captions) continue;
    const inTrain = testClasses ? !testClasses.has(classId) : isTrain.get(id);
    if (inTrain === undefined) {
      problems.image(where, `image ${id} has no row in train_test_split.txt`);
      continue;
    }
    (inTrain ? train : test).push({where, file: path.join('images', rel), box, captions, label});
  }
  return buildRealDataset(
    {train, test, classNames, labelKind: 'single'},
    {
      name: 'cub',
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
      settings: {
        cropToBox: cfg.cropToBox,
        split: cfg.split,
        testClasses: testClasses ? [...testClasses].sort((a, b) => a - b) : null,
        skipBad: cfg.skipBad,
      },
    },
  );
}

const cubProperties = defineProperties({
  ...commonDatasetProperties,
  ...damsmMaskProperty('same-label', "AttnGAN's CUB class ids are species"),
  ...realDatasetProperties,
  textRoot: {
    type: 'string',
    default: '',
    description: 'Folder of the caption files (<class folder>/<image>.txt, one caption per line). Empty: <root>/text.',
  },
  cropToBox: {
    type: 'boolean',
    default: true,
    description:
      'Crop each image around its bounding box (enlarged to 1.5× its longer side, as AttnGAN does) before resizing.',
  },
  split: {
    type: 'string',
    enum: ['official', 'classes'],
    default: 'official',
    description:
      "'official': train_test_split.txt (image-level, 5994/5794). 'classes': class-disjoint, test = the classes listed in testClasses (default: the 50 test classes text-to-image papers use, 150 train / 50 test).",
  },
  testClasses: {
    type: 'string',
    default: '',
    description:
      "With split 'classes': a file listing the test classes, one class folder name (or class id) per line; relative to root. Empty: scg's data/cub/test-classes.txt (Reed et al. 2016, as StackGAN, AttnGAN, DM-GAN, DF-GAN and GALIP use).",
  },
});

export const cub = defineDataset({
  name: 'cub',
  summary:
    'CUB-200-2011 from its official layout at dataset.root, with the birds captions (text/); one label per image: the species',
  labelKind: 'single',
  schema: {properties: cubProperties, required: ['root']},
  build: buildCub,
});
