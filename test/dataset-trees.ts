// Tiny CUB-200-2011 and COCO-2014 folders in exactly the official layouts, with real JPEG/PNG files, for loader tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

const COLORS: [number, number, number][] = [
  [200, 30, 30],
  [30, 160, 40],
  [40, 60, 210],
  [220, 200, 30],
];

/** A `w × h` image: background of the class colour's complement, a block of the class colour inside `box`. */
async function writeImage(
  file: string,
  w: number,
  h: number,
  color: [number, number, number],
  box: {x: number; y: number; width: number; height: number},
  format: 'jpeg' | 'png' | 'gray',
): Promise<void> {
  const channels = format === 'gray' ? 1 : 3;
  const data = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      const rgb = inside ? color : color.map((c) => 255 - c);
      if (channels === 1) data[y * w + x] = inside ? 220 : 40;
      else data.set(rgb, (y * w + x) * 3);
    }
  }
  fs.mkdirSync(path.dirname(file), {recursive: true});
  const img = sharp(data, {raw: {width: w, height: h, channels}});
  await (format === 'jpeg' ? img.jpeg({quality: 95}) : img.png()).toFile(file);
}

export interface CubTree {
  root: string;
  classFolders: string[];
  /** image id → relative path under images/. */
  images: string[];
}

/**
 * CUB with 3 classes × 4 images (ids 1..12): official split alternates train/test; image 5 is a grey PNG named
 * .jpg-free (…/x.png), every other image a JPEG; boxes cover the centre; 10 captions per image naming the colour.
 */
export async function makeCubTree(root: string): Promise<CubTree> {
  const classFolders = ['001.Red_Bird', '002.Green_Bird', '003.Blue_Bird'];
  const images: string[] = [];
  const lines = {images: [] as string[], labels: [] as string[], split: [] as string[], boxes: [] as string[]};
  let id = 0;
  for (const [c, folder] of classFolders.entries()) {
    for (let k = 0; k < 4; k++) {
      id++;
      const gray = id === 5;
      const rel = `${folder}/${folder.slice(4)}_${String(id).padStart(4, '0')}.${gray ? 'png' : 'jpg'}`;
      images.push(rel);
      const [w, h] = [48 + 8 * k, 40];
      const box = {x: 12, y: 8, width: 20, height: 16};
      await writeImage(path.join(root, 'images', rel), w, h, COLORS[c]!, box, gray ? 'gray' : 'jpeg');
      lines.images.push(`${id} ${rel}`);
      lines.labels.push(`${id} ${c + 1}`);
      lines.split.push(`${id} ${id % 2}`);
      lines.boxes.push(`${id} ${box.x}.0 ${box.y}.0 ${box.width}.0 ${box.height}.0`);
      const colour = folder.split('.')[1]!.split('_')[0]!.toLowerCase();
      const text = Array.from(
        {length: 10},
        (_, i) => `this ${colour} bird number ${i} has a ${colour} body and short wings`,
      ).join('\n');
      const textFile = path.join(root, 'text', rel.replace(/\.[^.]+$/, '.txt'));
      fs.mkdirSync(path.dirname(textFile), {recursive: true});
      fs.writeFileSync(textFile, `${text}\n`);
    }
  }
  fs.writeFileSync(path.join(root, 'images.txt'), `${lines.images.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'classes.txt'), `${classFolders.map((f, i) => `${i + 1} ${f}`).join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'image_class_labels.txt'), `${lines.labels.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'train_test_split.txt'), `${lines.split.join('\n')}\n`);
  fs.writeFileSync(path.join(root, 'bounding_boxes.txt'), `${lines.boxes.join('\n')}\n`);
  return {root, classFolders, images};
}

export interface CocoTree {
  root: string;
  /** Category ids used (not contiguous, like COCO's). */
  categoryIds: number[];
}

/**
 * COCO with categories {1 person, 3 car, 7 train}: 6 train images and 3 val images, 5 captions each; train image
 * id 104 has no instance annotation; PNG and JPEG files; label sets of one or two categories.
 */
export async function makeCocoTree(root: string): Promise<CocoTree> {
  const categories = [
    {id: 1, name: 'person', supercategory: 'person'},
    {id: 3, name: 'car', supercategory: 'vehicle'},
    {id: 7, name: 'train', supercategory: 'vehicle'},
  ];
  const sets: Record<string, number[][]> = {
    train2014: [[1], [3], [7], [], [1, 3], [3, 7]],
    val2014: [[1], [3, 7], [7]],
  };
  for (const split of ['train2014', 'val2014'] as const) {
    const base = split === 'train2014' ? 100 : 500;
    const images: object[] = [];
    const captions: object[] = [];
    const instances: object[] = [];
    let ann = 1;
    for (const [k, set] of sets[split]!.entries()) {
      const id = base + k;
      const file = `COCO_${split}_${String(id).padStart(12, '0')}.jpg`;
      images.push({id, file_name: file, width: 40, height: 32, license: 1});
      await writeImage(
        path.join(root, split, file),
        40,
        32,
        COLORS[(set[0] ?? 0) % 4]!,
        {x: 8, y: 8, width: 16, height: 12},
        'jpeg',
      );
      const names = set.map((c) => categories.find((x) => x.id === c)!.name);
      for (let i = 0; i < 5; i++)
        captions.push({
          image_id: id,
          id: ann++,
          caption: `A photo ${i} showing ${names.length ? names.join(' and a ') : 'an empty street'}.`,
        });
      for (const c of set)
        instances.push({
          image_id: id,
          id: ann++,
          category_id: c,
          bbox: [8, 8, 16, 12],
          area: 192,
          iscrowd: 0,
          segmentation: [],
        });
    }
    fs.mkdirSync(path.join(root, 'annotations'), {recursive: true});
    const info = {description: 'scg test fixture', year: 2014};
    fs.writeFileSync(
      path.join(root, 'annotations', `captions_${split}.json`),
      JSON.stringify({info, images, annotations: captions, licenses: []}),
    );
    fs.writeFileSync(
      path.join(root, 'annotations', `instances_${split}.json`),
      JSON.stringify({info, images, annotations: instances, categories, licenses: []}),
    );
  }
  return {root, categoryIds: categories.map((c) => c.id)};
}
