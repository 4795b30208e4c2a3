// Nearest-class-centroid accuracy: how well codes separate labelled classes (a linear-probe stand-in, no training).
import {InputError} from '../errors';
import {readRows, unitRow} from './matrix-input';

/**
 * Each class's centroid is the mean of its unit-normalised `train` codes; each `test` code is assigned the class
 * whose centroid has the highest cosine similarity. Returns the fraction assigned their own label. Test labels
 * without any train code count as misses. Shapes: codes `[n, d]`, labels one integer per row.
 * @example nearestCentroidAccuracy(trainCodes, trainLabels, testCodes, testLabels)  // 0.94
 */
export function nearestCentroidAccuracy(
  train: number[][],
  trainLabels: readonly number[],
  test: number[][],
  testLabels: readonly number[],
): number {
  const FN = 'nearestCentroidAccuracy';
  const tr = readRows(FN, 'train', train);
  const te = readRows(FN, 'test', test);
  if (tr.length !== trainLabels.length)
    throw new InputError(FN, `train has ${tr.length} rows but trainLabels has ${trainLabels.length} entries`);
  if (te.length !== testLabels.length)
    throw new InputError(FN, `test has ${te.length} rows but testLabels has ${testLabels.length} entries`);
  const d = tr[0]!.length;
  if (te[0]!.length !== d) throw new InputError(FN, `train has ${d} features per row but test has ${te[0]!.length}`);
  const sums = new Map<number, Float64Array>();
  tr.forEach((row, i) => {
    const label = trainLabels[i]!;
    const sum = sums.get(label) ?? new Float64Array(d);
    unitRow(row).forEach((v, k) => (sum[k] = sum[k]! + v));
    sums.set(label, sum);
  });
  const centroids = [...sums].map(([label, sum]) => ({label, c: unitRow(sum)}));
  let hits = 0;
  te.forEach((row, i) => {
    const u = unitRow(row);
    let best = centroids[0]!;
    let bestScore = -Infinity;
    for (const cand of centroids) {
      const score = cand.c.reduce((a, v, k) => a + v * u[k]!, 0);
      if (score > bestScore) {
        bestScore = score;
        best = cand;
      }
    }
    if (best.label === testLabels[i]) hits++;
  });
  return hits / te.length;
}
