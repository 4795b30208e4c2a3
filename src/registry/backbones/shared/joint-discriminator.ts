// DF-GAN's discriminator (SSA-GAN, and GALIP on frozen encoder features): conv3×3, residual downsampling blocks
// with a learned gate, and a joint head on the 4×4 features concatenated with the tiled sentence.
import * as tf from '@tensorflow/tfjs';
import {conv, type Conv, type ParamSet} from '../../../nn/params';

/** resD: avgpool(shortcut(x)) + γ·[conv4×4/2 → LReLU → conv3×3 → LReLU](x), γ learned from 0. */
class DownBlock {
  private readonly c1: Conv;
  private readonly c2: Conv;
  private readonly shortcut: Conv | undefined;
  private readonly gate: tf.Variable;
  constructor(params: ParamSet, name: string, cin: number, cout: number) {
    this.c1 = params.conv(`${name}/c1`, 4, cin, cout, false);
    this.c2 = params.conv(`${name}/c2`, 3, cout, cout, false);
    this.shortcut = cin !== cout ? params.conv(`${name}/shortcut`, 1, cin, cout) : undefined;
    this.gate = params.constant(`${name}/gamma`, [], 0);
  }
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const r = tf.leakyRelu(
      conv(
        tf.leakyRelu(
          conv(x, this.c1, 2, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ] as unknown as number),
          0.2,
        ) as tf.Tensor4D,
        this.c2,
      ),
      0.2,
    );
    const s = tf.avgPool(this.shortcut ? conv(x, this.shortcut) : x, 2, 2, 'valid');
    return tf.add(s, tf.mul(this.gate, r)) as tf.Tensor4D;
  }
}

export class JointDiscriminator {
  private readonly stem: Conv;
  private readonly blocks: DownBlock[] = [];
  private readonly joint: Conv;
  private readonly out: Conv;
  readonly outChannels: number;

  /**
   * Channels ndf·2^(i+1) per downsampling, at most 16ndf (the original's 256 px schedule). `resolution` and
   * `inChannels` describe the input: images (3) or an encoder's feature map.
   */
  constructor(
    params: ParamSet,
    resolution: number,
    ndf: number,
    readonly embedDim: number,
    inChannels = 3,
  ) {
    this.stem = params.conv('stem', 3, inChannels, ndf);
    let ch = ndf;
    for (let i = 0; i < Math.log2(resolution / 4); i++) {
      const next = Math.min(ndf * 2 ** (i + 1), 16 * ndf);
      this.blocks.push(new DownBlock(params, `block${i}`, ch, next));
      ch = next;
    }
    this.outChannels = ch;
    this.joint = params.conv('joint', 3, ch + embedDim, 2 * ndf, false);
    this.out = params.conv('out', 4, 2 * ndf, 1, false);
  }

  /** `[n]` logits of "a real image (or its features) that matches this sentence". */
  apply(images: tf.Tensor4D, sentence: tf.Tensor2D): tf.Tensor1D {
    let h = conv(images, this.stem);
    for (const b of this.blocks) h = b.apply(h);
    const [n, hh, ww] = h.shape;
    const tiled = tf.tile(tf.reshape(sentence, [n, 1, 1, this.embedDim]), [1, hh, ww, 1]);
    const j = tf.leakyRelu(conv(tf.concat([h, tiled], 3) as tf.Tensor4D, this.joint), 0.2) as tf.Tensor4D;
    return tf.reshape(conv(j, this.out, 1, 'valid'), [-1]);
  }
}
