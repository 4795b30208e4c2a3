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
import {factorAccuracy, labelAccuracy} from '../metrics/label-accuracy';
import {PAPER_PROTOCOLS, type PaperProtocol} from '../metrics/paper-protocols';
import {rPrecision} from '../metrics/r-precision';
import {rPrecisionFolds} from '../metrics/r-precision-folds';
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

/** What evaluation keeps of the evaluator's outputs for a batch of images: features, IS probabilities, label probabilities. */
class Extracted {
  readonly features: Float64Array[] = [];
  readonly probs: number[][] = [];
  /** Per-label probabilities; left empty by an evaluator that does not classify the dataset's labels. */
  readonly labels: number[][] = [];

  /** Reads and disposes one chunk's outputs. */
  add(out: {features: tf.Tensor2D; probs: tf.Tensor2D; labels?: tf.Tensor2D | undefined}): void {
    for (const row of out.features.arraySync()) this.features.push(Float64Array.from(row));
    this.probs.push(...out.probs.arraySync());
    if (out.labels) this.labels.push(...out.labels.arraySync());
    tf.dispose([out.features, out.probs, ...(out.labels ? [out.labels] : [])]);
  }
}

/** Features and probabilities of many images, in chunks. */
function extractAll(ex: FeatureExtractor, count: number, images: (from: number, to: number) => tf.Tensor4D): Extracted {
  const out = new Extracted();
  for (let from = 0; from < count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK);
    out.add(tf.tidy(() => ex.extract(images(from, to))));
  }
  return out;
}

/** The true labels of test images (the clean ones: label noise never touches the test split). */
function testTruth(dataset: Dataset, images: readonly number[]): number[] | number[][] {
  const test = dataset.test;
  const all = test.cleanLabels ?? (dataset.labelKind === 'single' ? test.labels : test.labelSets);
  if (!all) throw new Error(`dataset '${dataset.name}' has no test labels`);
  return images.map((i) => all[i]!) as number[] | number[][];
}

interface RealStats {
  mu: Float64Array;
  sigma: Matrix;
  /** The evaluator's label accuracy on the real test images (the ceiling for `label_acc`), where it classifies labels. */
  labelAcc?: number;
}

/** Mean and covariance of the real test images' features, cached on disk per evaluator weights and dataset. */
function realStats(ex: FeatureExtractor, opts: EvaluateOptions): RealStats {
  const key = crypto
    .createHash('sha256')
    .update(canonicalJson({w: ex.weightsSha256, dataset: opts.config.dataset, split: 'test'}))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(opts.cacheDir, 'real-stats', `${ex.name}-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8')) as {mu: number[]; sigma: number[][]; labelAcc?: number};
      // an entry written before label accuracy was stored is computed again below
      if (
        s.mu.length === ex.featureDim &&
        s.sigma.length === ex.featureDim &&
        (s.labelAcc !== undefined || !ex.givesLabels)
      )
        return {
          mu: Float64Array.from(s.mu),
          sigma: new Matrix(s.sigma),
          ...(s.labelAcc === undefined ? {} : {labelAcc: s.labelAcc}),
        };
    } catch {
      // a damaged cache entry is computed again below (and replaced)
    }
  }
  const test = opts.dataset.test;
  const real = extractAll(ex, test.count, (a, b) =>
    imagesTensor(
      test,
      Array.from({length: b - a}, (_, i) => a + i),
      opts.dataset.resolution,
    ),
  );
  const stats: RealStats = gaussianStats(real.features);
  if (real.labels.length) {
    const all = Array.from({length: test.count}, (_, i) => i);
    stats.labelAcc = labelAccuracy(real.labels, testTruth(opts.dataset, all), opts.dataset.labelKind);
  }
  writeFileAtomic(
    file,
    JSON.stringify({mu: Array.from(stats.mu), sigma: stats.sigma.to2DArray(), labelAcc: stats.labelAcc}),
  );
  return stats;
}

/** The paper protocol this evaluation follows: eval.protocol, unless a flag changed its sample count or evaluator. */
function paperProtocol(opts: EvaluateOptions, name: string, n: number): PaperProtocol | undefined {
  const preset = opts.config.eval.protocol ? PAPER_PROTOCOLS[opts.config.eval.protocol] : undefined;
  if (!preset || (name === preset.evaluator && n === preset.samples)) return preset;
  opts.log(
    `eval: ${n} samples with evaluator ${name} are not eval.protocol ${preset.name} (${preset.samples} with ${preset.evaluator}); stored under scg's own protocol`,
  );
  return undefined;
}

/** Sentence codes of every caption of the test split, grouped by image: the mismatched-caption pool. */
function testCaptionCodes(opts: EvaluateOptions): number[][][] {
  const test = opts.dataset.test;
  const flat = test.tokens.flatMap((caps, image) => caps.map((ids) => ({image, ids})));
  const out: number[][][] = test.tokens.map(() => []);
  for (let from = 0; from < flat.length; from += CHUNK) {
    const part = flat.slice(from, from + CHUNK);
    const codes = tf.tidy(() => {
      const {tokens, mask} = tokenTensors(
        part.map((p) => p.ids),
        opts.dataset.maxWords,
      );
      return opts.encoders.encodeText(tokens, mask).sentence;
    });
    (codes.arraySync() as number[][]).forEach((row, k) => out[part[k]!.image]!.push(row));
    codes.dispose();
  }
  return out;
}

/**
 * R-precision of the fakes' image codes against their captions' sentence codes: DM-GAN's (99 mismatched test
 * captions, 10 folds) under a paper protocol, else scg's (99 captions of other fakes). `imageOf(i)` is the test
 * image whose caption fake i was drawn from.
 */
function rPrecisionOf(
  opts: EvaluateOptions,
  paper: PaperProtocol | undefined,
  fakeImageCodes: number[][],
  textCodes: number[][],
  imageOf: (i: number) => number,
): {metrics: Record<string, number>; details: Record<string, unknown>} {
  const seed = opts.config.seed;
  if (!paper) {
    const candidates = Math.min(100, fakeImageCodes.length);
    return {
      metrics: {r_precision: rPrecision(fakeImageCodes, textCodes, {candidates, seed})},
      details: {rPrecisionCandidates: candidates},
    };
  }
  // single-label data: mismatched captions come from other classes; label sets: from other images (AttnGAN's COCO)
  const test = opts.dataset.test;
  const groupOf = (image: number) => test.labels?.[image] ?? image;
  const rp = rPrecisionFolds(
    fakeImageCodes,
    textCodes,
    fakeImageCodes.map((_, i) => groupOf(imageOf(i))),
    {codes: testCaptionCodes(opts), groups: Array.from({length: test.count}, (_, k) => groupOf(k))},
    {...paper.rPrecision, seed},
  );
  return {
    metrics: {r_precision: rp.mean, r_precision_std: rp.std},
    details: {rPrecisionMismatched: paper.rPrecision.mismatched, rPrecisionFolds: paper.rPrecision.folds},
  };
}

/** The evaluator a run's evaluations use: its paper protocol's, else `eval.evaluator`. */
export function runEvaluator(config: ExperimentConfig): string {
  return (config.eval.protocol ? PAPER_PROTOCOLS[config.eval.protocol]?.evaluator : undefined) ?? config.eval.evaluator;
}

/**
 * Generates `n` fakes for test captions (cycling through images, then captions) with fixed noise, passes each
 * chunk through the evaluator as it is made (so 30,000 images never sit in memory at once), and stores the metrics.
 */
export async function evaluateGenerator(opts: EvaluateOptions): Promise<EvaluationResult> {
  const {config, dataset, model, encoders: enc} = opts;
  const requested = config.eval.protocol ? PAPER_PROTOCOLS[config.eval.protocol] : undefined;
  const name = opts.evaluator ?? runEvaluator(config);
  const n = opts.samples ?? requested?.samples ?? config.eval.samples;
  const paper = paperProtocol(opts, name, n);
  const ex = await extractorFor(name, opts);
  const real = realStats(ex, opts);
  const test = dataset.test;
  const imageOf = (i: number) => i % test.count;
  const captions = Array.from(
    {length: n},
    (_, i) => test.tokens[imageOf(i)]![Math.floor(i / test.count) % test.tokens[imageOf(i)]!.length]!,
  );
  const rng = Rng.for(config.seed, 'eval');
  const noise = rng.normals(n * model.zDim);
  const caNoise = rng.normals(n * model.condDim);
  const fakeImageCodes: number[][] = [];
  const textCodes: number[][] = [];
  const fakes = new Extracted();
  const generate = () => {
    for (let from = 0; from < n; from += CHUNK) {
      const to = Math.min(n, from + CHUNK);
      const [x, s, code] = tf.tidy(() => {
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
        const last = out.images[out.images.length - 1]! as tf.Tensor4D;
        return [ex.extract(last), text.sentence, enc.encodeImage(last).global] as const;
      });
      fakes.add(x);
      textCodes.push(...(s as tf.Tensor2D).arraySync());
      fakeImageCodes.push(...(code as tf.Tensor2D).arraySync());
      tf.dispose([s, code]);
    }
  };
  if (opts.ema) opts.ema.withAveraged(generate);
  else generate();
  const fake = gaussianStats(fakes.features);
  const fid = frechetDistanceFromStats(real.mu, real.sigma, fake.mu, fake.sigma);
  const isSplits = paper ? paper.isSplits : Math.min(10, n);
  const is = inceptionScore(fakes.probs, {splits: isSplits});
  const metrics: Record<string, number> = {fid: fid.distance, is_mean: is.mean, is_std: is.std};
  Object.assign(metrics, labelMetrics(dataset, fakes.labels, imageOf, real.labelAcc));
  const rp = rPrecisionOf(opts, paper, fakeImageCodes, textCodes, imageOf);
  Object.assign(metrics, rp.metrics);
  const protocol: Protocol = {
    evaluator: name,
    weightsSha256: ex.weightsSha256,
    nGenerated: n,
    nReal: test.count,
    resolution: dataset.resolution,
    split: 'test',
    seed: config.seed,
    ...(paper ? {preset: paper.name} : {}),
    details: {
      ...ex.details,
      ...(paper ? {preset: paper.name, follows: paper.follows} : {}),
      isSplits,
      ...rp.details,
      fidOffset: fid.offset,
    },
  };
  if (fid.offset > 0) opts.log(`eval: covariance product near-singular; FID used a diagonal offset of ${fid.offset}`);
  return storeEvaluation(opts, protocol, metrics);
}

/**
 * `label_acc` of the fakes (each against the label of the test image whose caption drew it), `<factor>_acc` per
 * label factor of the dataset, and `label_acc_real`, the evaluator's score on the real test images; none when the
 * evaluator does not classify the dataset's labels.
 */
function labelMetrics(
  dataset: Dataset,
  labelProbs: number[][],
  imageOf: (i: number) => number,
  realAcc: number | undefined,
): Record<string, number> {
  if (!labelProbs.length) return {};
  const truth = testTruth(
    dataset,
    labelProbs.map((_, i) => imageOf(i)),
  );
  const out: Record<string, number> = {label_acc: labelAccuracy(labelProbs, truth, dataset.labelKind)};
  if (dataset.labelKind === 'single') {
    for (const [factor, of] of Object.entries(dataset.labelFactors ?? {}))
      out[`${factor}_acc`] = factorAccuracy(labelProbs, truth as number[], of);
  }
  if (realAcc !== undefined) out['label_acc_real'] = realAcc;
  return out;
}

/** Stores the metrics at the evaluated step under their protocol, replacing an earlier evaluation of it. */
function storeEvaluation(opts: EvaluateOptions, protocol: Protocol, metrics: Record<string, number>): EvaluationResult {
  const protocolId = opts.store.protocolId(protocol);
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
  return {protocolId, protocol, metrics};
}

/** FID, IS, R-precision and label accuracy (where measured) of one evaluation on one line, for logs. */
export function formatEval(m: Record<string, number>): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const rStd = m['r_precision_std'] === undefined ? '' : ` ± ${(100 * m['r_precision_std']).toFixed(1)}`;
  let line = `FID ${m['fid']!.toFixed(2)}  IS ${m['is_mean']!.toFixed(3)} ± ${m['is_std']!.toFixed(3)}  R-precision ${(100 * m['r_precision']!).toFixed(1)}${rStd}%`;
  if (m['label_acc'] !== undefined) {
    const factors = Object.keys(m)
      .filter((k) => k.endsWith('_acc') && k !== 'label_acc')
      .map((k) => `${k.slice(0, -4)} ${pct(m[k]!)}`);
    const real = m['label_acc_real'] === undefined ? '' : `, real images ${pct(m['label_acc_real'])}`;
    line += `  label acc ${pct(m['label_acc'])}${factors.length ? ` (${factors.join(', ')})` : ''}${real}`;
  }
  return line;
}
