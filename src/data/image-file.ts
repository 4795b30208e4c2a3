// Decodes one JPEG/PNG file with sharp to RGB bytes at the training resolution, optionally cropped around a box first.
import sharp from 'sharp';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The square-ish region AttnGAN crops CUB birds to: centred on the box, half-side 0.75 × the box's longer side,
 * clipped to the image.
 */
export function enlargedCrop(
  box: Box,
  imageWidth: number,
  imageHeight: number,
): {left: number; top: number; width: number; height: number} {
  const r = Math.floor(Math.max(box.width, box.height) * 0.75);
  const cx = Math.floor((2 * box.x + box.width) / 2);
  const cy = Math.floor((2 * box.y + box.height) / 2);
  const left = Math.max(0, cx - r);
  const top = Math.max(0, cy - r);
  const right = Math.min(imageWidth, cx + r);
  const bottom = Math.min(imageHeight, cy + r);
  return {left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top)};
}

/** RGB bytes (`resolution² × 3`). Grey and alpha images become RGB; a corrupt file rejects with sharp's reason. */
export async function decodeImage(file: string, resolution: number, box?: Box): Promise<Uint8Array> {
  let img = sharp(file, {failOn: 'error'});
  if (box) {
    const meta = await img.metadata();
    img = img.extract(enlargedCrop(box, meta.width ?? 0, meta.height ?? 0));
  }
  const buf = await img
    .resize(resolution, resolution, {fit: 'fill'})
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({resolveWithObject: true});
  if (buf.info.channels !== 3) throw new Error(`decoded to ${buf.info.channels} channels, expected 3`);
  return new Uint8Array(buf.data.buffer, buf.data.byteOffset, buf.data.byteLength);
}
