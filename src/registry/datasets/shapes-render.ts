// Drawing and wording for the built-in shapes datasets: anti-aliased shapes on a canvas, and their names.
import type {Rng} from '../../core/rng';

export const SHAPES = ['circle', 'square', 'triangle', 'cross'] as const;
export const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export type ShapeKind = (typeof SHAPES)[number];
export type ColorName = (typeof COLORS)[number];

export const RGB: Record<ColorName, [number, number, number]> = {
  red: [215, 45, 40],
  green: [45, 175, 70],
  blue: [45, 85, 215],
  yellow: [235, 205, 45],
};

/** Words a caption may use for each shape; the first is the canonical name. */
export const SHAPE_WORDS: Record<ShapeKind, string[]> = {
  circle: ['circle', 'disc', 'round shape'],
  square: ['square', 'box', 'block'],
  triangle: ['triangle', 'wedge', 'three-sided shape'],
  cross: ['cross', 'plus sign', 'cross shape'],
};

export const BACKGROUNDS = {dark: 45, gray: 125, light: 205} as const;
export type BackgroundName = keyof typeof BACKGROUNDS;

export interface ShapeItem {
  kind: ShapeKind;
  color: ColorName;
  /** Centre and radius as fractions of the image side. */
  cx: number;
  cy: number;
  r: number;
}

/** Whether point (dx, dy), relative to the centre in units of the radius, is inside the shape. */
function inside(kind: ShapeKind, dx: number, dy: number): boolean {
  switch (kind) {
    case 'circle':
      return dx * dx + dy * dy <= 1;
    case 'square':
      return Math.abs(dx) <= 0.82 && Math.abs(dy) <= 0.82;
    case 'triangle': // apex up: y from -1 (top) to 0.6 (base); half-width grows linearly to 1 at the base
      return dy >= -1 && dy <= 0.6 && Math.abs(dx) <= (dy + 1) / 1.6;
    case 'cross':
      return (Math.abs(dx) <= 0.3 && Math.abs(dy) <= 1) || (Math.abs(dy) <= 0.3 && Math.abs(dx) <= 1);
  }
}

/**
 * Renders shapes onto `out` (RGB bytes of one `res × res` image) over a background with a slight vertical
 * gradient; 4 samples per pixel for smooth edges; colour jitter comes from `rng`.
 */
export function renderImage(
  out: Uint8Array,
  offset: number,
  res: number,
  background: BackgroundName,
  items: ShapeItem[],
  rng: Rng,
): void {
  const bg = BACKGROUNDS[background] + rng.uniform(-8, 8);
  const colors = items.map((it) => RGB[it.color].map((c) => Math.max(0, Math.min(255, c + rng.uniform(-18, 18)))));
  const sub = [0.25, 0.75];
  for (let y = 0; y < res; y++) {
    const base = bg + (y / res - 0.5) * 16;
    for (let x = 0; x < res; x++) {
      const px = [base, base, base];
      const acc: [number, number, number] = [0, 0, 0];
      for (const sy of sub) {
        for (const sx of sub) {
          const fx = (x + sx) / res;
          const fy = (y + sy) / res;
          let c = px;
          for (let k = items.length - 1; k >= 0; k--) {
            const it = items[k]!;
            if (inside(it.kind, (fx - it.cx) / it.r, (fy - it.cy) / it.r)) {
              c = colors[k]!;
              break;
            }
          }
          acc[0] += c[0]!;
          acc[1] += c[1]!;
          acc[2] += c[2]!;
        }
      }
      const o = offset + (y * res + x) * 3;
      for (let ch = 0; ch < 3; ch++) out[o + ch] = Math.round(Math.max(0, Math.min(255, acc[ch]! / 4)));
    }
  }
}

/** The position word of a centre: left / right / top / bottom / center. */
export function positionWord(cx: number, cy: number): 'left' | 'right' | 'top' | 'bottom' | 'center' {
  const dx = cx - 0.5;
  const dy = cy - 0.5;
  if (Math.max(Math.abs(dx), Math.abs(dy)) < 0.08) return 'center';
  if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? 'left' : 'right';
  return dy < 0 ? 'top' : 'bottom';
}

export const POSITION_PHRASES: Record<ReturnType<typeof positionWord>, string[]> = {
  center: ['in the center', 'in the middle'],
  left: ['on the left', 'on the left side'],
  right: ['on the right', 'on the right side'],
  top: ['at the top', 'near the top'],
  bottom: ['at the bottom', 'near the bottom'],
};

/** `count` distinct items from `options` when possible (repeats only if there are too few). */
export function pickDistinct<T>(rng: Rng, options: readonly T[], count: number): T[] {
  const out: T[] = [];
  while (out.length < count) out.push(...rng.shuffle(options));
  return out.slice(0, count);
}
