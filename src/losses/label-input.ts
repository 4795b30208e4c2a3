// Validation and conversion of the label arguments shared by the contrastive and cross-entropy losses.
import * as tf from '@tensorflow/tfjs';
import {InputError} from '../errors';

/** Reads single labels (array or Tensor1D) into plain integers, checking count and integrality. */
export function readLabels(fn: string, labels: number[] | tf.Tensor1D, batch: number): number[] {
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) throw new InputError(fn, `labels must be rank 1, but got rank ${labels.rank}`);
  } else if (!Array.isArray(labels)) {
    throw new InputError(fn, `labels must be an array of integers or a Tensor1D, but got ${typeof labels}`);
  }
  const values = labels instanceof tf.Tensor ? Array.from(labels.dataSync()) : labels;
  if (values.length !== batch) {
    throw new InputError(fn, `labels has ${values.length} entries but features has batch ${batch}`);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new InputError(fn, `labels must be integers, but labels[${i}] is ${String(v)}`);
    }
  });
  return values;
}

/** Reads label sets (multi-hot rows, array or Tensor2D) into 0/1 rows, checking shape and values. */
export function readMultiHot(fn: string, multiHot: number[][] | tf.Tensor2D, batch: number): number[][] {
  let rows: number[][];
  if (multiHot instanceof tf.Tensor) {
    if (multiHot.rank !== 2) throw new InputError(fn, `multiHot must be rank 2, but got rank ${multiHot.rank}`);
    rows = multiHot.arraySync();
  } else if (Array.isArray(multiHot)) {
    rows = multiHot;
  } else {
    throw new InputError(fn, `multiHot must be a number[][] or a Tensor2D, but got ${typeof multiHot}`);
  }
  if (rows.length !== batch) {
    throw new InputError(fn, `multiHot has ${rows.length} rows but features has batch ${batch}`);
  }
  const width = Array.isArray(rows[0]) ? rows[0].length : 0;
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      const len = Array.isArray(row) ? row.length : 'no';
      throw new InputError(fn, `multiHot row ${i} has ${len} entries but row 0 has ${width}`);
    }
    row.forEach((v, j) => {
      if (v !== 0 && v !== 1)
        throw new InputError(fn, `multiHot entries must be 0 or 1, but multiHot[${i}][${j}] is ${v}`);
    });
  });
  return rows;
}

/** Throws unless `t` is a finite number > 0. */
export function checkTemperature(fn: string, name: string, t: number): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new InputError(fn, `${name} must be a finite number > 0, but got ${String(t)}`);
  }
}
