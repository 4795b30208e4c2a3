// The per-op cost of the engine and backend together: `tf.add` of two [8] tensors and its dispose, median of blocks.
import * as tf from '@tensorflow/tfjs';
import {median} from './bench';

/** Median µs of one tiny add + dispose over `blocks` blocks of `perBlock` ops, after a warm-up block. */
export function tinyOpMicros(blocks = 15, perBlock = 20_000): number {
  const a = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
  const b = tf.tensor1d([8, 7, 6, 5, 4, 3, 2, 1]);
  const block = () => {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) tf.add(a, b).dispose();
    return ((performance.now() - t0) * 1000) / perBlock;
  };
  block();
  const times = Array.from({length: blocks}, block);
  a.dispose();
  b.dispose();
  return median(times);
}
