// How well the encoders' codes separate a single-label dataset's classes: nearest-centroid accuracy on the test split.
import * as tf from '@tensorflow/tfjs';
import {imagesTensor, tokenTensors} from '../data/batch';
import type {Dataset, Split} from '../data/dataset';
import {nearestCentroidAccuracy} from '../metrics/centroid-probe';
import type {EncoderPair} from '../registry/encoders/descriptor';

const CHUNK = 256;

function inChunks(n: number, encode: (from: number, to: number) => tf.Tensor2D): number[][] {
  const rows: number[][] = [];
  for (let from = 0; from < n; from += CHUNK) {
    const codes = tf.tidy(() => encode(from, Math.min(n, from + CHUNK)));
    rows.push(...codes.arraySync());
    codes.dispose();
  }
  return rows;
}

/** Sentence codes of `captions` (token ids). */
function textCodes(enc: EncoderPair, ds: Dataset, captions: number[][]): number[][] {
  return inChunks(captions.length, (a, b) => {
    const {tokens, mask} = tokenTensors(captions.slice(a, b), ds.maxWords);
    return enc.encodeText(tokens, mask).sentence;
  });
}

function imageCodes(enc: EncoderPair, ds: Dataset, split: Split): number[][] {
  return inChunks(
    split.count,
    (a, b) =>
      enc.encodeImage(
        imagesTensor(
          split,
          Array.from({length: b - a}, (_, k) => a + k),
          ds.resolution,
        ),
      ).global,
  );
}

export interface ProbeResult {
  /** Test captions (all of them) assigned their image's class by the train split's sentence-code centroids. */
  text: number;
  /** Test images assigned their class by the train split's image-code centroids. */
  image: number;
}

/**
 * Class centroids come from the train split (the first caption of each image, and each image) with its clean
 * labels, so `dataset.labelNoise` does not bias them, and the test split's accuracy says whether the codes carry
 * the class: on `shapes`, codes that tell colours apart but not shapes reach about 0.25–0.5, codes that carry
 * both about 1. Multi-label datasets: undefined.
 */
export function probeEncoders(enc: EncoderPair, ds: Dataset): ProbeResult | 'non-finite' | undefined {
  const {train, test} = ds;
  // the probe measures the codes, so its centroids use the clean labels: injected noise is the training's, not its
  const trainLabels = (train.cleanLabels ?? train.labels) as number[] | undefined;
  if (ds.labelKind !== 'single' || !trainLabels || !test.labels) return undefined;
  const testCaptions = test.tokens.flatMap((caps, i) => caps.map((c) => ({c, label: test.labels![i]!})));
  const codes = {
    trainText: textCodes(
      enc,
      ds,
      train.tokens.map((caps) => caps[0]!),
    ),
    testText: textCodes(
      enc,
      ds,
      testCaptions.map((t) => t.c),
    ),
    trainImage: imageCodes(enc, ds, train),
    testImage: imageCodes(enc, ds, test),
  };
  // Diverged weights: nothing to measure; the next step's loss check stops the run.
  if (Object.values(codes).some((rows) => rows.some((r) => r.some((v) => !Number.isFinite(v))))) return 'non-finite';
  return {
    text: nearestCentroidAccuracy(
      codes.trainText,
      trainLabels,
      codes.testText,
      testCaptions.map((t) => t.label),
    ),
    image: nearestCentroidAccuracy(codes.trainImage, trainLabels, codes.testImage, test.labels),
  };
}
