// `npm run bench:fid`: scg's FID Inception pass over a folder of 64-px PNGs against the PyTorch peer
// (bench/fid_inception.py, torchvision's Inception3 with the FID blocks) on the same random weights and threads;
// writes docs/performance-fid.md with images/s, their ratio, and how far the two networks' features differ.
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import {initBackend} from '../core/backend';
import {ScgError} from '../errors';
import {parseNpy} from '../core/npz';
import {encodeSafetensors} from '../core/safetensors';
import {randomFidInceptionTensors} from '../registry/evaluators/fid-inception/random-weights';
import {loadFidInceptionWeights} from '../registry/evaluators/fid-inception/weights';
import {folderStats, forEachFolderBatch} from '../runtime/folder-metrics';

const ROOT = path.resolve(__dirname, '../../..');
const PYTHON = process.env['SCG_PYTHON'] || '/usr/bin/python3';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function writeImages(dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const px = Buffer.alloc(64 * 64 * 3);
    let a = (i * 2654435761) >>> 0;
    for (let k = 0; k < px.length; k++) {
      a = (a * 1103515245 + 12345) >>> 0;
      px[k] = ((k % 192) + (a >>> 24)) & 255;
    }
    await sharp(px, {raw: {width: 64, height: 64, channels: 3}})
      .png()
      .toFile(path.join(dir, `${String(i).padStart(5, '0')}.png`));
  }
}

function peer(weights: string, folder: string, threads: number, batch: number, out: string) {
  const script = path.join(ROOT, 'bench/fid_inception.py');
  const r = spawnSync(PYTHON, [script, 'features', weights, folder, String(threads), String(batch), out], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new ScgError(
      'RUN_FAILED',
      `the PyTorch peer (${PYTHON} ${script}) failed: ${(r.stderr || String(r.error)).trim()}`,
      {
        hint: 'it needs python3 with torch, torchvision and PIL (Debian: apt-get install python3-torch python3-torchvision python3-pil)',
      },
    );
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {torch: string; img_per_s: number; seconds: number};
}

async function main(): Promise<void> {
  const images = arg('images', 2000);
  const threads = arg('threads', 2);
  const batch = arg('batch', 50);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-fid-bench-'));
  const folder = path.join(dir, 'images');
  fs.mkdirSync(folder);
  await writeImages(folder, images);
  const weightsFile = path.join(dir, 'random.safetensors');
  fs.writeFileSync(weightsFile, encodeSafetensors(randomFidInceptionTensors(1)));
  const info = await initBackend('torch', {threads});
  const weights = loadFidInceptionWeights(weightsFile, 'bench');
  const opts = {batch, skipBad: false, warn: () => {}, progress: () => {}};
  const t0 = performance.now();
  const stats = await folderStats(folder, weights, opts);
  const scgSeconds = (performance.now() - t0) / 1000;
  const py = peer(weightsFile, folder, threads, batch, path.join(dir, 'features.npy'));
  // Agreement: the first batch's features from both networks on the same weights.
  const ours: number[][] = [];
  const head = path.join(dir, 'head');
  fs.mkdirSync(head);
  for (const f of fs.readdirSync(folder).sort().slice(0, batch))
    fs.copyFileSync(path.join(folder, f), path.join(head, f));
  await forEachFolderBatch(head, weights, opts, (f) => ours.push(...f.arraySync()));
  const theirs = parseNpy(fs.readFileSync(path.join(dir, 'features.npy')), 'features.npy');
  let worst = 0;
  let scale = 0;
  ours.forEach((r, i) =>
    r.forEach((v, j) => {
      const p = theirs.data[i * 2048 + j]!;
      worst = Math.max(worst, Math.abs(v - p));
      scale = Math.max(scale, Math.abs(p));
    }),
  );
  const scgRate = stats.images / scgSeconds;
  const lines = [
    '# Performance: `scg fid` feature pass',
    '',
    '<!-- Written by `npm run bench:fid` (src/bench/fid-bench.ts); rerun it to refresh. -->',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}.`,
    '',
    `Command: \`npm run bench:fid -- --images ${images} --threads ${threads} --batch ${batch}\`: ${images} PNGs of 64 px (resized to 299 in the network), random weights with the real names and shapes, decode + forward + statistics, batches of ${batch}.`,
    '',
    '| network | threads | images | seconds | img/s |',
    '|---|---|---|---|---|',
    `| scg fid-inception on ${info.name} | ${threads} | ${stats.images} | ${scgSeconds.toFixed(1)} | ${scgRate.toFixed(2)} |`,
    `| PyTorch ${py.torch}, torchvision Inception3 with the FID blocks (bench/fid_inception.py), NCHW as pytorch-fid runs it | ${threads} | ${images} | ${py.seconds.toFixed(1)} | ${py.img_per_s.toFixed(2)} |`,
    '',
    `scg / PyTorch img/s = **${(scgRate / py.img_per_s).toFixed(2)}×** (target ≥ 0.8).`,
    '',
    `Agreement on the same weights (first ${ours.length} images): max |scg − PyTorch| over the 2048-d pool features = ${worst.toExponential(2)}, largest feature ${scale.toFixed(2)} (relative ${(worst / scale).toExponential(2)}).`,
    '',
  ];
  fs.writeFileSync(path.join(ROOT, 'docs/performance-fid.md'), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  tf.disposeVariables();
  fs.rmSync(dir, {recursive: true, force: true});
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
