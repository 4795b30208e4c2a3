// Evaluates a generator under a recorded protocol: FID and IS from the evaluator's features and class
// probabilities (fakes against the test split's real images), R-precision with the run's own encoders.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {Matrix} from 'ml-matrix';
import type {ExperimentConfig} from '../config/types';
import {imagesTensor, tokenTensors} from '../data/batch';
import type {Dataset} from '../data/dataset';
import {frechetDistanceFromStats, gaussianStats} from '../metrics/frechet';
import {inceptionScore} from '../metrics/inception-score';
import {rPrecision} from '../metrics/r-precision';
import type {Ema} from '../nn/ema';
import {evaluators} from '../registry';
import type {GanModel} from '../registry/backbones/descriptor';
import type {EncoderPair} from '../registry/encoders/descriptor';
import type {FeatureExtractor} from '../registry/evaluators/descriptor';
import type {MetricRow, Protocol, Store} from '../store/store';
import {writeFileAtomic} from '../core/atomic-write';
import {canonicalJson} from '../core/identity';
import {Rng} from '../core/rng';

export interface EvaluateOptions {
  store: Store;
  runId: string;
  /** The GAN step the generator comes from (metrics are stored at this step). */
  step: number;
  config: ExperimentConfig;
  dataset: Dataset;
  model: GanModel;
  ema: Ema | undefined;
  encoders: EncoderPair;
  /** Overrides of eval.samples / eval.evaluator (scg eval flags). */
  samples?: number | undefined;
  evaluator?: string | undefined;
  cacheDir: string;
  log(line: string): void;
}

export interface EvaluationResult {
  protocolId: number;
  protocol: Protocol;
  metrics: Record<string, number>;
}

const CHUNK = 50;

const extractorCache = new Map<string, Promise<FeatureExtractor>>();

/** One extractor per (evaluator, dataset, evaluator config) per process. */
function extractorFor(name: string, opts: EvaluateOptions): Promise<FeatureExtractor> {
  const key = `${name}|${canonicalJson(opts.config.dataset)}|${canonicalJson(opts.config.eval)}|${opts.cacheDir}`;
  let e = extractorCache.get(key);
  if (!e) {
    e = evaluators
      .get(name)
      .build({config: opts.config, dataset: opts.dataset, cacheDir: opts.cacheDir, log: opts.log});
    extractorCache.set(key, e);
  }
  return e;
}

/** Features and probabilities of many images, in chunks. */
function extractAll(
  ex: FeatureExtractor,
  count: number,
  images: (from: number, to: number) => tf.Tensor4D,
): {features: Float64Array[]; probs: number[][]} {
  const features: Float64Array[] = [];
  const probs: number[][] = [];
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    const {f, p} = tf.tidy(() => {
      const out = ex.extract(images(from, to));
      return {f: out.features, p: out.probs};
    });
    for (const row of f.arraySync()) features.push(Float64Array.from(row));
    probs.push(...p.arraySync());
    tf.dispose([f, p]);
  }
  return {features, probs};
}

/** Mean and covariance of the real test images' features, cached on disk per evaluator weights and dataset. */
function realStats(ex: FeatureExtractor, opts: EvaluateOptions): {mu: Float64Array; sigma: Matrix} {
  const key = crypto
    .createHash('sha256')
    .update(canonicalJson({w: ex.weightsSha256, dataset: opts.config.dataset, split: 'test'}))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(opts.cacheDir, 'real-stats', `${ex.name}-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as {mu: number[]; sigma: number[][]};
      if (s.mu.length === ex.featureDim && s.sigma.length === ex.featureDim)
        return {mu: Float64Array.from(s.mu), sigma: new Matrix(s.sigma)};
    } catch {
      // a damaged cache entry is computed again below (and replaced)
    }
  }
  const test = opts.dataset.test;
  const {features} = extractAll(ex, test.count, (a, b) =>
    imagesTensor(
      test,
      Array.from({length: b - a}, (_, i) => a + i),
      opts.dataset.resolution,
    ),
  );
  const stats = gaussianStats(features);
  writeFileAtomic(file, JSON.stringify({mu: Array.from(stats.mu), sigma: stats.sigma.to2DArray()}));
  return stats;
}

/** Generates `n` fakes for test captions (cycling through images, then captions) with fixed noise; stores the metrics. */
export async function evaluateGenerator(opts: EvaluateOptions): Promise<EvaluationResult> {
  const {config, dataset, model, encoders: enc} = opts;
  const name = opts.evaluator ?? config.eval.evaluator;
  const n = opts.samples ?? config.eval.samples;
  const ex = await extractorFor(name, opts);
  const real = realStats(ex, opts);
  const test = dataset.test;
  const captions = Array.from(
    {length: n},
    (_, i) => test.tokens[i % test.count]![Math.floor(i / test.count) % test.tokens[i % test.count]!.length]!,
  );
  const rng = Rng.for(config.seed, 'eval');
  const noise = rng.normals(n * model.zDim);
  const caNoise = rng.normals(n * model.condDim);
  const fakeImageCodes: number[][] = [];
  const textCodes: number[][] = [];
  const fakes: tf.Tensor4D[] = [];
  const generate = () => {
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const [img, s, code] = tf.tidy(() => {
        const {tokens, mask} = tokenTensors(captions.slice(from, to), dataset.maxWords);
        const text = enc.encodeText(tokens, mask);
        const out = model.generate(
          {
            noise: tf.tensor2d(noise.subarray(from * model.zDim, to * model.zDim), [to - from, model.zDim]),
            caNoise: tf.tensor2d(caNoise.subarray(from * model.condDim, to * model.condDim), [
              to - from,
              model.condDim,
            ]),
            sentence: text.sentence,
            words: text.words,
            wordMask: mask,
          },
          {training: false},
        );
        const last = out.images[out.images.length - 1]!;
        return [last, text.sentence, enc.encodeImage(last).global];
      });
      fakes.push(img as tf.Tensor4D);
      textCodes.push(...(s as tf.Tensor2D).arraySync());
      fakeImageCodes.push(...(code as tf.Tensor2D).arraySync());
      tf.dispose([s, code]);
    }
  };
  if (opts.ema) opts.ema.withAveraged(generate);
  else generate();
  let chunk = 0;
  const {features, probs} = extractAll(ex, n, () => fakes[chunk++]!);
  tf.dispose(fakes);
  const fake = gaussianStats(features);
  const fid = frechetDistanceFromStats(real.mu, real.sigma, fake.mu, fake.sigma);
  const is = inceptionScore(probs, {splits: Math.min(10, n)});
  const rp = rPrecision(fakeImageCodes, textCodes, {candidates: Math.min(100, n), seed: config.seed});
  const protocol: Protocol = {
    evaluator: name,
    weightsSha256: ex.weightsSha256,
    nGenerated: n,
    nReal: test.count,
    resolution: dataset.resolution,
    split: 'test',
    seed: config.seed,
    details: {...ex.details, isSplits: Math.min(10, n), rPrecisionCandidates: Math.min(100, n), fidOffset: fid.offset},
  };
  const protocolId = opts.store.protocolId(protocol);
  const metrics: Record<string, number> = {fid: fid.distance, is_mean: is.mean, is_std: is.std, r_precision: rp};
  const wall = Date.now() / 1000;
  const rows: MetricRow[] = Object.entries(metrics).map(([key, value]) => ({
    phase: 'eval',
    key,
    step: opts.step,
    value,
    wall_time: wall,
    protocol_id: protocolId,
  }));
  opts.store.replaceEvalMetrics(opts.runId, opts.step, protocolId, rows);
  if (fid.offset > 0) opts.log(`eval: covariance product near-singular; FID used a diagonal offset of ${fid.offset}`);
  return {protocolId, protocol, metrics};
}

/** FID, IS and R-precision of one evaluation on one line, for logs. */
export function formatEval(m: Record<string, number>): string {
  return `FID ${m['fid']!.toFixed(2)}  IS ${m['is_mean']!.toFixed(3)} ± ${m['is_std']!.toFixed(3)}  R-precision ${(100 * m['r_precision']!).toFixed(1)}%`;
}
