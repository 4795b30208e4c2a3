// Label accuracy of generated images: does a classifier of the dataset's labels see in each image the label of the
// caption it was drawn from? The CUB/shapes analogue of SOA (Hinz et al., "Semantic Object Accuracy").
import type {LabelKind} from '../data/dataset';

/** The index of the largest value (the first on ties). */
function argmax(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/** One prediction per label, and at least one image. */
function checkInputs(fn: string, predictions: number, labels: number): void {
  if (predictions !== labels) throw new Error(`${fn}: ${predictions} predictions for ${labels} labels`);
  if (predictions === 0) throw new Error(`${fn}: no images`);
}

/** F1 of a predicted label set against the true one (1 when both are empty). */
function setF1(predicted: ReadonlySet<number>, truth: readonly number[]): number {
  if (predicted.size === 0 && truth.length === 0) return 1;
  const hits = truth.filter((c) => predicted.has(c)).length;
  return (2 * hits) / (predicted.size + truth.length);
}

/**
 * The share of images whose predicted label equals their true one. `probs[i]` holds image i's per-label
 * probabilities: softmax over classes for single-label data (the top-1 class is the prediction), one sigmoid per
 * category for label sets (the predicted set is every category at `threshold` or above; the image scores the F1
 * of that set against its true set, and the result is the mean F1).
 */
export function labelAccuracy(
  probs: readonly (readonly number[])[],
  truth: readonly number[] | readonly (readonly number[])[],
  kind: LabelKind,
  threshold = 0.5,
): number {
  checkInputs('labelAccuracy', probs.length, truth.length);
  let sum = 0;
  probs.forEach((row, i) => {
    if (kind === 'single') {
      sum += argmax(row) === (truth[i] as number) ? 1 : 0;
    } else {
      const predicted = new Set<number>();
      row.forEach((p, c) => {
        if (p >= threshold) predicted.add(c);
      });
      sum += setF1(predicted, truth[i] as readonly number[]);
    }
  });
  return sum / probs.length;
}

/**
 * For single-label data whose classes combine factors (shapes: shape × colour): the share of images whose top-1
 * class has the true class's value of one factor. `factorOf[c]` is class c's value of that factor.
 */
export function factorAccuracy(
  probs: readonly (readonly number[])[],
  truth: readonly number[],
  factorOf: readonly number[],
): number {
  checkInputs('factorAccuracy', probs.length, truth.length);
  let hits = 0;
  probs.forEach((row, i) => {
    if (factorOf[argmax(row)] === factorOf[truth[i]!]) hits++;
  });
  return hits / probs.length;
}
