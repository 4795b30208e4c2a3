// Built-in single-label dataset (CUB-like): one coloured shape per image, class = shape × colour.
import type {Rng} from '../../core/rng';
import {commonDatasetProperties, damsmMaskProperty, defineDataset} from './descriptor';
import {
  type BackgroundName,
  BACKGROUNDS,
  COLORS,
  pickDistinct,
  POSITION_PHRASES,
  positionWord,
  SHAPE_WORDS,
  SHAPES,
  type ShapeItem,
} from './shapes-render';
import {buildSynthetic, type SyntheticSample, syntheticProperties} from './synthetic';
import {defineProperties} from '../../core/json-schema';

const CLASS_NAMES = SHAPES.flatMap((s) => COLORS.map((c) => `${c} ${s}`));
/** The two factors of a class (class = shape index × colours + colour index), for `shape_acc` and `colour_acc`. */
const LABEL_FACTORS = {
  shape: CLASS_NAMES.map((_, c) => Math.floor(c / COLORS.length)),
  colour: CLASS_NAMES.map((_, c) => c % COLORS.length),
};

/** Caption templates; each image uses different ones. Size, position and background are not in the label. */
const TEMPLATES: ((w: Record<string, string>) => string)[] = [
  (w) => `a ${w.size} ${w.color} ${w.shape} ${w.where}`,
  (w) => `a ${w.color} ${w.shape} on a ${w.bg} background`,
  (w) => `there is a ${w.size} ${w.shape} that is ${w.color}`,
  (w) => `the picture shows a ${w.color} ${w.shape} ${w.where}`,
  (w) => `${w.size} ${w.color} ${w.shape} over a ${w.bg} backdrop`,
  (w) => `a ${w.shape} painted ${w.color} ${w.where} of the image`,
  (w) => `one ${w.color} ${w.shape} , ${w.size} , ${w.where}`,
  (w) => `this image has a ${w.size} ${w.shape} in ${w.color}`,
];

export function shapesSample(rng: Rng, captionsPerImage: number): SyntheticSample {
  const kind = rng.pick(SHAPES);
  const color = rng.pick(COLORS);
  const large = rng.next() < 0.5;
  const r = large ? rng.uniform(0.3, 0.36) : rng.uniform(0.18, 0.23);
  const spread = large ? 0.1 : 0.2;
  const place = rng.pick(['center', 'left', 'right', 'top', 'bottom'] as const);
  const offsets = {center: [0, 0], left: [-spread, 0], right: [spread, 0], top: [0, -spread], bottom: [0, spread]}[
    place
  ];
  const item: ShapeItem = {
    kind,
    color,
    r,
    cx: 0.5 + offsets[0]! + rng.uniform(-0.03, 0.03),
    cy: 0.5 + offsets[1]! + rng.uniform(-0.03, 0.03),
  };
  const background = rng.pick(Object.keys(BACKGROUNDS) as BackgroundName[]);
  const captions = pickDistinct(rng, TEMPLATES, captionsPerImage).map((t) =>
    t({
      size: large ? rng.pick(['large', 'big']) : rng.pick(['small', 'little']),
      color,
      shape: rng.pick(SHAPE_WORDS[kind]),
      where: rng.pick(POSITION_PHRASES[positionWord(item.cx, item.cy)]),
      bg: background,
    }),
  );
  return {items: [item], background, captions, label: SHAPES.indexOf(kind) * COLORS.length + COLORS.indexOf(color)};
}

const shapesProperties = defineProperties({
  ...commonDatasetProperties,
  ...damsmMaskProperty('same-label', 'one label per image, as CUB'),
  ...syntheticProperties,
});

export const shapes = defineDataset({
  name: 'shapes',
  summary: `Built-in, CUB-like: one coloured shape per image, ${CLASS_NAMES.length} classes (shape x colour), varied captions`,
  labelKind: 'single',
  schema: {properties: shapesProperties},
  build: async (cfg) => ({
    ...(await buildSynthetic('shapes', 'single', CLASS_NAMES, cfg, shapesSample)),
    labelFactors: LABEL_FACTORS,
  }),
});
