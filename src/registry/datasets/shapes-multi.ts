// Built-in multi-label dataset (COCO-like): 1–3 shapes per image, label = the set of shape categories.
import type {Rng} from '../../core/rng';
import {commonDatasetProperties, damsmMaskProperty, defineDataset} from './descriptor';
import {
  type BackgroundName,
  BACKGROUNDS,
  COLORS,
  pickDistinct,
  SHAPE_WORDS,
  SHAPES,
  type ShapeItem,
} from './shapes-render';
import {buildSynthetic, type SyntheticSample, syntheticProperties} from './synthetic';
import {defineProperties} from '../../core/json-schema';

/** Slots for up to three objects: left, right, and a middle one, jittered. */
const SLOTS = [
  [0.27, 0.3],
  [0.73, 0.3],
  [0.5, 0.72],
] as const;
const COUNT_WORDS = ['one', 'two', 'three'];

function phrase(it: ShapeItem, rng: Rng): string {
  return `a ${it.color} ${rng.pick(SHAPE_WORDS[it.kind])}`;
}

function list(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(' , ')} and ${parts[parts.length - 1]}`;
}

const TEMPLATES: ((items: ShapeItem[], bg: string, rng: Rng) => string)[] = [
  (items, _bg, rng) => list(items.map((it) => phrase(it, rng))),
  (items, bg, rng) => `${list(items.map((it) => phrase(it, rng)))} on a ${bg} background`,
  (items, _bg, rng) =>
    `${COUNT_WORDS[items.length - 1]} shape${items.length > 1 ? 's' : ''} : ${list(items.map((it) => rng.pick(SHAPE_WORDS[it.kind])))}`,
  (items, _bg, rng) => `there is ${list(items.map((it) => phrase(it, rng)))} in the picture`,
  (items, bg, rng) => `a ${bg} scene with ${list(items.map((it) => phrase(it, rng)))}`,
  (items, _bg, rng) => `an image showing ${list(rng.shuffle(items).map((it) => phrase(it, rng)))}`,
];

export function shapesMultiSample(rng: Rng, captionsPerImage: number): SyntheticSample {
  const count = 1 + rng.int(3);
  const slots = rng.shuffle(SLOTS).slice(0, count);
  const items: ShapeItem[] = slots.map(([cx, cy]) => ({
    kind: rng.pick(SHAPES),
    color: rng.pick(COLORS),
    r: rng.uniform(0.15, 0.2),
    cx: cx + rng.uniform(-0.04, 0.04),
    cy: cy + rng.uniform(-0.04, 0.04),
  }));
  const background = rng.pick(Object.keys(BACKGROUNDS) as BackgroundName[]);
  const captions = pickDistinct(rng, TEMPLATES, captionsPerImage).map((t) => t(items, background, rng));
  const label = [...new Set(items.map((it) => SHAPES.indexOf(it.kind)))].sort((a, b) => a - b);
  return {items, background, captions, label};
}

const shapesMultiProperties = defineProperties({
  ...commonDatasetProperties,
  ...damsmMaskProperty('none', 'label sets, as COCO'),
  ...syntheticProperties,
});

export const shapesMulti = defineDataset({
  name: 'shapes-multi',
  summary: `Built-in, COCO-like: 1-3 shapes per image, label = set of ${SHAPES.length} shape categories`,
  labelKind: 'multi',
  schema: {properties: shapesMultiProperties},
  build: (cfg) => buildSynthetic('shapes-multi', 'multi', [...SHAPES], cfg, shapesMultiSample),
});
