import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {after, before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, TEST_BACKENDS, useBackend, useBestBackend} from '../../../../test/support';
import {tinyExperiment} from '../../../../test/tiny';
import {encodeSafetensors} from '../../../core/safetensors';
import {ScgError} from '../../../errors';
import {evaluators} from '../..';
import {allConvs, BLOCKS, blockConvs, BN_EPS, expectedTensors} from './layout';
import {mixedBlock, toNetworkInput} from './network';
import {randomFidInceptionTensors} from './random-weights';
import {type FidInceptionWeights, foldConv, loadFidInceptionWeights} from './weights';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-fid-inception-'));
const weightsFile = path.join(dir, 'pt_inception.safetensors');

function writeWeights(file: string, edit: (m: ReturnType<typeof randomFidInceptionTensors>) => void = () => {}): void {
  const m = randomFidInceptionTensors(7, true);
  edit(m);
  fs.writeFileSync(file, encodeSafetensors(m));
}

const badInput = (re: RegExp) => (e: unknown) => e instanceof ScgError && e.code === 'BAD_INPUT' && re.test(e.message);

describe('fid-inception evaluator: structure', () => {
  before(async () => {
    await useBestBackend();
    writeWeights(weightsFile);
  });
  after(() => fs.rmSync(dir, {recursive: true, force: true}));

  it("has pytorch-fid's 94 convs, 472 float tensors and 23,885,392 values", () => {
    assert.equal(allConvs().length, 94);
    const expected = expectedTensors();
    assert.equal(expected.size, 472);
    let values = 0;
    for (const s of expected.values()) values += s.reduce((a, b) => a * b, 1);
    assert.equal(values, 23_885_392);
    assert.deepEqual(expected.get('Mixed_5b.branch_pool.conv.weight'), [32, 192, 1, 1]);
    assert.deepEqual(expected.get('Mixed_6b.branch7x7_2.conv.weight'), [128, 128, 1, 7]);
    assert.deepEqual(expected.get('Mixed_7c.branch3x3dbl_1.conv.weight'), [448, 2048, 1, 1]);
    assert.deepEqual(expected.get('fc.weight'), [1008, 2048]);
  });

  it('loads a weights file through the registry and gives 2048-d features and 1008-class probabilities', async () => {
    const {config, dataset} = await tinyExperiment([
      `eval.fidInceptionPath=${weightsFile}`,
      'eval.evaluator=fid-inception',
    ]);
    const start = tf.memory().numTensors;
    const ex = await evaluators.get('fid-inception').build({config, dataset, cacheDir: dir, log: () => {}});
    assert.equal(ex.featureDim, 2048);
    assert.match(ex.weightsSha256, /^[0-9a-f]{64}$/);
    const images = tf.tensor4d(seededValues(2 * 32 * 32 * 3, 3), [2, 32, 32, 3]);
    const {features, probs} = ex.extract(images);
    assert.deepEqual(features.shape, [2, 2048]);
    assert.deepEqual(probs.shape, [2, 1008]);
    const f = features.dataSync();
    assert.ok(
      f.every((v) => Number.isFinite(v) && v >= 0),
      'pool features are finite and non-negative (after ReLU)',
    );
    assert.ok(f.some((v) => v > 0));
    const sums = tf.tidy(() => tf.sum(probs, 1).dataSync());
    sums.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-4));
    tf.dispose([features, probs]);
    const before = tf.memory().numTensors;
    tf.dispose(Object.values(ex.extract(images)));
    assert.equal(tf.memory().numTensors, before, 'extract leaves no tensors behind');
    images.dispose();
    ex.dispose();
    assert.equal(tf.memory().numTensors, start, 'dispose frees the weights');
  });

  it('counts what it checked and accepts files with or without num_batches_tracked', () => {
    const plain = path.join(dir, 'plain.safetensors');
    fs.writeFileSync(plain, encodeSafetensors(randomFidInceptionTensors(7)));
    for (const file of [weightsFile, plain]) {
      const w = loadFidInceptionWeights(file);
      assert.equal(w.tensorCount, 472);
      assert.equal(w.valueCount, 23_885_392);
      for (const c of w.convs.values()) tf.dispose([c.filter, c.bias]);
      tf.dispose([w.fcWeight, w.fcBias]);
    }
  });

  it('names a missing, an extra and a misshaped tensor, and a file that is not safetensors', () => {
    const file = path.join(dir, 'bad.safetensors');
    writeWeights(file, (m) => m.delete('Mixed_6c.branch7x7dbl_3.bn.running_var'));
    assert.throws(
      () => loadFidInceptionWeights(file),
      badInput(/has no tensor Mixed_6c\.branch7x7dbl_3\.bn\.running_var/),
    );
    writeWeights(file, (m) => m.set('AuxLogits.fc.bias', {dtype: 'F32', shape: [1008], data: new Float32Array(1008)}));
    assert.throws(() => loadFidInceptionWeights(file), badInput(/tensor AuxLogits\.fc\.bias that the FID Inception/));
    writeWeights(file, (m) => m.set('fc.bias', {dtype: 'F32', shape: [1000], data: new Float32Array(1000)}));
    assert.throws(() => loadFidInceptionWeights(file), badInput(/fc\.bias is F32 \[1000\], expected F32 \[1008\]/));
    fs.writeFileSync(file, 'PK\u0003\u0004 a zip, as torch.save writes');
    assert.throws(() => loadFidInceptionWeights(file), badInput(/bad\.safetensors is not a safetensors file/));
    assert.throws(() => loadFidInceptionWeights(path.join(dir, 'nope.safetensors')), badInput(/does not exist/));
  });
});

/** Float64 NHWC BasicConv2d as torchvision runs it (conv, batch norm in eval mode, ReLU), unfolded. */
function refBasicConv(x: number[][][], prefix: string, t: ReturnType<typeof randomFidInceptionTensors>): number[][][] {
  const get = (k: string) => t.get(`${prefix}.${k}`)!;
  const w = get('conv.weight') as {shape: number[]; data: Float32Array};
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const spec = allConvs().find((c) => c.name === prefix)!;
  const [ph, pw] = spec.pad;
  const h = x.length;
  const wd = x[0]!.length;
  const oh = (h + 2 * ph - kh) / spec.stride + 1;
  const ow = (wd + 2 * pw - kw) / spec.stride + 1;
  const [g, b, m, v] = ['bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'].map(
    (k) => get(k).data as Float32Array,
  );
  const out: number[][][] = [];
  for (let y = 0; y < oh; y++) {
    const row: number[][] = [];
    for (let xx = 0; xx < ow; xx++) {
      const px: number[] = [];
      for (let oc = 0; oc < o; oc++) {
        let s = 0;
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) {
            const sy = y * spec.stride + dy - ph;
            const sx = xx * spec.stride + dx - pw;
            if (sy < 0 || sx < 0 || sy >= h || sx >= wd) continue;
            for (let ic = 0; ic < i; ic++) s += x[sy]![sx]![ic]! * w.data[((oc * i + ic) * kh + dy) * kw + dx]!;
          }
        const bn = ((s - m![oc]!) / Math.sqrt(v![oc]! + BN_EPS)) * g![oc]! + b![oc]!;
        px.push(Math.max(0, bn));
      }
      row.push(px);
    }
    out.push(row);
  }
  return out;
}

/** 3×3 stride-1 average pool with padding 1 that divides by the cells inside the image (count_include_pad=False). */
function refAvgPool(x: number[][][]): number[][][] {
  const h = x.length;
  const w = x[0]!.length;
  return x.map((row, y) =>
    row.map((_, xx) =>
      x[0]![0]!.map((__, c) => {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++)
            if (y + dy >= 0 && y + dy < h && xx + dx >= 0 && xx + dx < w) {
              s += x[y + dy]![xx + dx]![c]!;
              n++;
            }
        return s / n;
      }),
    ),
  );
}

const concat = (...parts: number[][][][]) =>
  parts[0]!.map((row, y) => row.map((_, x) => parts.flatMap((p) => p[y]![x]!)));

for (const backend of TEST_BACKENDS) {
  describe(`fid-inception numerics on ${backend}`, () => {
    before(() => useBackend(backend));

    it('an FIDInceptionA block (Mixed_5b) agrees with a float64 computation of the unfolded network', () => {
      const start = tf.memory().numTensors;
      const t = randomFidInceptionTensors(11);
      const block = BLOCKS[0]!;
      const weights = {
        convs: new Map(blockConvs(block).map((c) => [c.name, foldConv(c, (k) => t.get(k)!.data as Float32Array)])),
      } as FidInceptionWeights;
      const [h, w, c] = [5, 6, 192];
      const xs = seededValues(h * w * c, 5).map((v) => (v + 1) / 2);
      const x = Array.from({length: h}, (_, y) =>
        Array.from({length: w}, (__, xx) => Array.from(xs.subarray((y * w + xx) * c, (y * w + xx + 1) * c))),
      );
      const got = tf.tidy(() => mixedBlock(tf.tensor4d(xs, [1, h, w, c]), block, weights));
      const conv = (p: string, input: number[][][]) => refBasicConv(input, `Mixed_5b.${p}`, t);
      const want = concat(
        conv('branch1x1', x),
        conv('branch5x5_2', conv('branch5x5_1', x)),
        conv('branch3x3dbl_3', conv('branch3x3dbl_2', conv('branch3x3dbl_1', x))),
        conv('branch_pool', refAvgPool(x)),
      ).flat(2);
      assert.deepEqual(got.shape, [1, h, w, 256]);
      const g = got.dataSync();
      const scale = Math.max(...want.map(Math.abs));
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - g[i]!))));
      assert.ok(worst < 1e-4 * scale, `max |tfjs − float64| = ${worst} (scale ${scale})`);
      tf.dispose(got);
      for (const cv of weights.convs.values()) tf.dispose([cv.filter, cv.bias]);
      assert.equal(tf.memory().numTensors, start);
    });

    it('resizes like F.interpolate(bilinear, align_corners=False) and scales to [-1, 1]', () => {
      // Downscaling 598 → 299 with half-pixel centres averages each 2×2 cell's centre pair exactly.
      const n = 598;
      const img = Float32Array.from({length: n * n}, (_, i) => ((i % n) * 7 + Math.floor(i / n) * 3) % 11).map(
        (v) => v / 10,
      );
      const got = tf.tidy(() => toNetworkInput(tf.tile(tf.tensor4d(img, [1, n, n, 1]), [1, 1, 1, 3]) as tf.Tensor4D));
      assert.deepEqual(got.shape, [1, 299, 299, 3]);
      const g = got.dataSync();
      for (const [y, x] of [
        [0, 0],
        [10, 200],
        [298, 17],
      ] as const) {
        const src = (yy: number, xx: number) => img[yy * n + xx]!;
        const mean =
          (src(2 * y, 2 * x) + src(2 * y + 1, 2 * x) + src(2 * y, 2 * x + 1) + src(2 * y + 1, 2 * x + 1)) / 4;
        assert.ok(Math.abs(g[(y * 299 + x) * 3]! - (2 * mean - 1)) < 1e-5, `pixel (${y}, ${x})`);
      }
      tf.dispose(got);
    });
  });
}
