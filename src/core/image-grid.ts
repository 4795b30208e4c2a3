// Writes a PNG grid of RGB images with a caption printed under each (sharp composes; SVG draws the text).
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

export interface GridCell {
  /** RGB bytes of one `res × res` image. */
  rgb: Uint8Array;
  caption: string;
}

export interface GridOptions {
  res: number;
  /** Images per row (default: up to 8). */
  columns?: number;
  /** Displayed side of each image in pixels (default 128; nearest-neighbour upscaling keeps pixels honest). */
  cellSize?: number;
  title?: string;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;'})[c]!);
}

/** Greedy word wrap to lines of at most `width` characters, at most `maxLines` lines (the last one elided). */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    lines.length = maxLines;
    lines[maxLines - 1] = `${lines[maxLines - 1]!.slice(0, width - 1)}…`;
  }
  return lines;
}

const FONT_SIZE = 11;
const TEXT_LINES = 3;
const PAD = 6;

/** Layout of a grid of `count` cells: its size in pixels and each cell's. */
export function gridLayout(
  count: number,
  options: GridOptions,
): {width: number; height: number; columns: number; cellW: number; cellH: number; titleH: number; cell: number} {
  const cell = options.cellSize ?? 128;
  const columns = Math.max(1, Math.min(options.columns ?? 8, count));
  const rows = Math.ceil(count / columns);
  const titleH = options.title ? 22 : 0;
  const cellW = cell + PAD * 2;
  const cellH = cell + PAD + TEXT_LINES * (FONT_SIZE + 2) + PAD;
  return {width: columns * cellW, height: titleH + rows * cellH, columns, cellW, cellH, titleH, cell};
}

/** Writes the grid to `file` (PNG), creating its folder; returns the PNG's width and height. */
export async function writeImageGrid(
  file: string,
  cells: GridCell[],
  options: GridOptions,
): Promise<{width: number; height: number}> {
  const {width, height, columns, cellW, cellH, titleH, cell} = gridLayout(cells.length, options);
  const fontSize = FONT_SIZE;
  const textLines = TEXT_LINES;
  const pad = PAD;
  const charsPerLine = Math.max(8, Math.floor(cellW / (fontSize * 0.55)));
  const layers: sharp.OverlayOptions[] = [];
  let svgText = '';
  for (let i = 0; i < cells.length; i++) {
    const x = (i % columns) * cellW;
    const y = titleH + Math.floor(i / columns) * cellH;
    const img = await sharp(Buffer.from(cells[i]!.rgb), {raw: {width: options.res, height: options.res, channels: 3}})
      .resize(cell, cell, {kernel: 'nearest'})
      .png()
      .toBuffer();
    layers.push({input: img, left: x + pad, top: y + pad});
    wrapText(cells[i]!.caption, charsPerLine, textLines).forEach((line, k) => {
      svgText += `<text x="${x + pad}" y="${y + pad + cell + (k + 1) * (fontSize + 2)}">${escapeXml(line)}</text>`;
    });
  }
  if (options.title)
    svgText += `<text x="${pad}" y="16" font-weight="bold" font-size="13">${escapeXml(options.title)}</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><style>text{font-family:DejaVu Sans,sans-serif;font-size:${fontSize}px;fill:#222}</style>${svgText}</svg>`;
  layers.push({input: Buffer.from(svg), left: 0, top: 0});
  fs.mkdirSync(path.dirname(path.resolve(file)), {recursive: true});
  await sharp({create: {width, height, channels: 3, background: {r: 250, g: 250, b: 250}}})
    .composite(layers)
    .png()
    .toFile(file);
  return {width, height};
}
