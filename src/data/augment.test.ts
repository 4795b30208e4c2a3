// Augmentation pieces against hand-made images: crop positions and flips, the crop copy, and the whole-image resize.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {Rng} from '../core/rng';
import {augmentSide, cropView, drawViews, resizeWhole} from './augment';

/** A `side`² RGB image whose pixel (y, x) holds (y, x, y + x). */
function ramp(side: number): Uint8Array {
  const img = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) img.set([y, x, y + x], (y * side + x) * 3);
  return img;
}

describe('augmentation (resize to 76/64, random crop, flip)', () => {
  it('holds images at 76/64 of the resolution, as the originals resize before cropping', () => {
    assert.deepEqual([16, 32, 64, 128, 256].map(augmentSide), [19, 38, 76, 152, 304]);
  });

  it('draws every crop position and flips about half, the same from the same stream', () => {
    const views = drawViews(Rng.for(1, 'views'), 4000, 19, 16);
    const xs = new Set(views.map((v) => v.x));
    const ys = new Set(views.map((v) => v.y));
    assert.deepEqual([...xs].sort(), [0, 1, 2, 3]);
    assert.deepEqual([...ys].sort(), [0, 1, 2, 3]);
    const flips = views.filter((v) => v.flip).length / views.length;
    assert.ok(Math.abs(flips - 0.5) < 0.03, `flip share ${flips}`);
    assert.deepEqual(drawViews(Rng.for(1, 'views'), 50, 19, 16), views.slice(0, 50));
  });

  it('copies the crop window, mirrored when flipped', () => {
    const img = ramp(6);
    const out = new Float32Array(4 * 4 * 3);
    cropView(img, 6, 4, {x: 2, y: 1, flip: false}, out, 0, (v) => v);
    assert.deepEqual([...out.subarray(0, 3)], [1, 2, 3], 'top-left is stored (1, 2)');
    assert.deepEqual([...out.subarray((3 * 4 + 3) * 3, (3 * 4 + 3) * 3 + 3)], [4, 5, 9], 'bottom-right is (4, 5)');
    cropView(img, 6, 4, {x: 2, y: 1, flip: true}, out, 0, (v) => v);
    assert.deepEqual([...out.subarray(0, 3)], [1, 5, 6], 'flipped: top-left is stored (1, 5)');
    assert.deepEqual([...out.subarray(3 * 3, 4 * 3)], [1, 2, 3], 'flipped: top-right is stored (1, 2)');
  });

  it('resizes a whole image as bilinear with half-pixel centres (tfjs resizeBilinear) does', () => {
    const side = 19;
    const img = new Uint8Array(side * side * 3);
    const rng = Rng.for(2, 'img');
    for (let i = 0; i < img.length; i++) img[i] = rng.int(256);
    const out = new Float32Array(16 * 16 * 3);
    resizeWhole(img, side, 16, out, 0, (v) => v);
    const expected = tf.tidy(() =>
      tf.image
        .resizeBilinear(tf.tensor4d(Float32Array.from(img), [1, side, side, 3]), [16, 16], false, true)
        .dataSync(),
    );
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - expected[i]!));
    assert.ok(worst < 1e-3, `largest difference ${worst}`);
  });
});
