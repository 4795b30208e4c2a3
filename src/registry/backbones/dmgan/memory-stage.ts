// DM-GAN's refinement stage: dynamic memory writing (gated words + pooled image), key addressing and value
// reading per location, a response gate fusing image features and memory output, then residual + upsampling.
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import {conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import {stopGradient} from '../../../ops/stop-gradient';
import {ResBlock, UpBlock} from '../shared/blocks';
import type {RefinementStage} from '../shared/multi-stage-generator';

export interface MemoryRead {
  h: tf.Tensor4D;
  /** Memory writing gate per word `[n, T, 1]`: weight of the word vs the pooled image in each slot. */
  writeGate: tf.Tensor3D;
  /** Key addressing `[n, H·W, T]`: softmax over the (unpadded) memory slots at each location. */
  addressing: tf.Tensor3D;
  /** Response gate `[n, H, W, 1]`: share of memory output in the fused features. */
  responseGate: tf.Tensor4D;
}

export class MemoryStage implements RefinementStage {
  private readonly gateWord: Dense;
  private readonly gateImage: Dense;
  private readonly writeWord: Dense;
  private readonly writeImage: Dense;
  private readonly key: Dense;
  private readonly value: Dense;
  private readonly response: Conv;
  private readonly res: ResBlock[] = [];
  private readonly up: UpBlock;

  constructor(params: ParamSet, name: string, width: number, embedDim: number, resBlocks: number) {
    this.gateWord = params.dense(`${name}/gate_A`, embedDim, 1, false);
    this.gateImage = params.dense(`${name}/gate_B`, width, 1, false);
    this.writeWord = params.dense(`${name}/M_w`, embedDim, 2 * width);
    this.writeImage = params.dense(`${name}/M_r`, width, 2 * width);
    this.key = params.dense(`${name}/key`, 2 * width, width);
    this.value = params.dense(`${name}/value`, 2 * width, width);
    this.response = params.conv(`${name}/response_gate`, 1, 2 * width, 1);
    for (let i = 0; i < resBlocks; i++) this.res.push(new ResBlock(params, `${name}/res${i}`, 2 * width));
    this.up = new UpBlock(params, `${name}/up`, 2 * width, width);
  }

  /** The memory operations, exposed for tests: gates and addressing as well as the fused features. */
  read(h: tf.Tensor4D, words: tf.Tensor3D, mask: tf.Tensor2D): MemoryRead {
    const [n, hh, ww, c] = h.shape;
    // Memory writing: g = σ(A(w) + B(h̄)), memory = M_w(w)·g + M_r(h̄)·(1 − g); h̄ carries no gradient (as in the original).
    const hAvg = stopGradient(tf.mean(h, [1, 2])) as tf.Tensor2D;
    const writeGate = tf.sigmoid(
      tf.add(dense(words, this.gateWord), tf.reshape(dense(hAvg, this.gateImage), [n, 1, 1])),
    ) as tf.Tensor3D;
    const fromWords = tf.relu(dense(words, this.writeWord));
    const fromImage = tf.reshape(tf.relu(dense(hAvg, this.writeImage)), [n, 1, 2 * c]);
    const memory = tf.add(tf.mul(fromWords, writeGate), tf.mul(fromImage, tf.sub(1, writeGate))) as tf.Tensor3D;
    // Key addressing and value reading: each location attends over the memory slots (padding masked out).
    const key = tf.relu(dense(memory, this.key)) as tf.Tensor3D;
    const value = tf.relu(dense(memory, this.value)) as tf.Tensor3D;
    const logits = tf.add(
      tf.matMul(tf.reshape(h, [n, hh * ww, c]), key, false, true),
      tf.mul(tf.sub(tf.expandDims(mask, 1), 1), 1e9),
    );
    const addressing = tf.softmax(logits) as tf.Tensor3D;
    const out = tf.reshape(tf.matMul(addressing, value), [n, hh, ww, c]) as tf.Tensor4D;
    // Response gate: h' = h·(1 − r) + r·memory_out.
    const responseGate = tf.sigmoid(conv(tf.concat([h, out], 3) as tf.Tensor4D, this.response)) as tf.Tensor4D;
    const fused = tf.add(tf.mul(h, tf.sub(1, responseGate)), tf.mul(out, responseGate)) as tf.Tensor4D;
    return {h: fused, writeGate, addressing, responseGate};
  }

  apply(
    h: tf.Tensor4D,
    words: tf.Tensor3D,
    mask: tf.Tensor2D,
    mode: BatchNormMode,
  ): {h: tf.Tensor4D; map: tf.Tensor3D} {
    const r = this.read(h, words, mask);
    let x = tf.concat([r.h, r.h], 3) as tf.Tensor4D;
    for (const b of this.res) x = b.apply(x, mode);
    return {h: this.up.apply(x, mode), map: r.addressing};
  }
}
