// Training-time augmentation as AttnGAN, DM-GAN, SSA-GAN and GALIP load images: the train split is held at 76/64 of
// the resolution, and each batch takes a random resolution-sized crop of it, flipped left-right with probability ½.
import type {Rng} from '../core/rng';

/** Side at which an augmented train split holds its images: ⌊76/64 × resolution⌋ (304 for 256 px, 76 for 64). */
export function augmentSide(resolution: number): number {
  return Math.floor((resolution * 76) / 64);
}

/** One image's training view: the top-left corner of its crop in the stored image, and a left-right flip. */
export interface View {
  x: number;
  y: number;
  flip: boolean;
}

/** Random views of `n` stored `side`² images, `res`² crops each (corners uniform over every position, as RandomCrop). */
export function drawViews(rng: Rng, n: number, side: number, res: number): View[] {
  const room = side - res + 1;
  return Array.from({length: n}, () => {
    const y = rng.int(room);
    const x = rng.int(room);
    return {x, y, flip: rng.next() < 0.5};
  });
}

/** Copies the `res`² crop `view` of the stored `side`² RGB image `src` into `out` at `offset`, as floats. */
export function cropView(
  src: Uint8Array,
  side: number,
  res: number,
  view: View,
  out: Float32Array,
  offset: number,
  scale: (byte: number) => number,
): void {
  for (let row = 0; row < res; row++) {
    const srcRow = ((view.y + row) * side + view.x) * 3;
    const outRow = offset + row * res * 3;
    for (let col = 0; col < res; col++) {
      const s = srcRow + (view.flip ? res - 1 - col : col) * 3;
      const o = outRow + col * 3;
      out[o] = scale(src[s]!);
      out[o + 1] = scale(src[s + 1]!);
      out[o + 2] = scale(src[s + 2]!);
    }
  }
}

/**
 * The whole stored `side`² RGB image resized to `res`² (bilinear, half-pixel centres, edges clamped) into `out`
 * at `offset`: the un-augmented image, for everything but training batches (evaluator training, previews).
 */
export function resizeWhole(
  src: Uint8Array,
  side: number,
  res: number,
  out: Float32Array | Uint8Array,
  offset: number,
  scale: (byte: number) => number,
): void {
  const ratio = side / res;
  const taps = Array.from({length: res}, (_, i) => {
    const p = Math.min(Math.max((i + 0.5) * ratio - 0.5, 0), side - 1);
    const lo = Math.floor(p);
    return {lo, hi: Math.min(lo + 1, side - 1), w: p - lo};
  });
  for (let row = 0; row < res; row++) {
    const ty = taps[row]!;
    for (let col = 0; col < res; col++) {
      const tx = taps[col]!;
      for (let c = 0; c < 3; c++) {
        const at = (y: number, x: number) => src[(y * side + x) * 3 + c]!;
        const top = at(ty.lo, tx.lo) * (1 - tx.w) + at(ty.lo, tx.hi) * tx.w;
        const bottom = at(ty.hi, tx.lo) * (1 - tx.w) + at(ty.hi, tx.hi) * tx.w;
        out[offset + (row * res + col) * 3 + c] = scale(top * (1 - ty.w) + bottom * ty.w);
      }
    }
  }
}
