// GALIP's generator on a frozen CLIP ViT (NetG): noise → a grid-sized code → M blocks → the fused map runs through
// CLIP's transformer layers with text-predicted prompt tokens → fuse + 0.1·map → G blocks up to the resolution.
import * as tf from '@tensorflow/tfjs';
import type {BatchNormMode} from '../../../nn/batch-norm';
import {conv, type Conv, dense, type Dense, type ParamSet} from '../../../nn/params';
import type {VisionTransformer} from '../../encoders/descriptor';
import type {GeneratorInputs, GeneratorOutput} from '../descriptor';
import {GBlock, MBlock, toImages} from './blocks';

export interface ClipGeneratorOptions {
  /** ngf. */
  width: number;
  zDim: number;
  embedDim: number;
  resolution: number;
  /** CLIP layers (0-based) that take a prompt token (GALIP: 1–8 of ViT-B/32's 12). */
  promptLayers: number[];
}

/**
 * GALIP's G block channels and sides for a resolution: ngf·min(2^i, 8) for i < ⌊log2 res⌋ − 1, largest first, in
 * consecutive pairs; each block doubles the side from 4 except the last, which goes to the resolution.
 */
export function gBlockLayout(ngf: number, resolution: number): {cin: number; cout: number; side: number}[] {
  const n = Math.floor(Math.log2(resolution)) - 1;
  const channels = Array.from({length: n}, (_, i) => ngf * Math.min(2 ** i, 8)).reverse();
  return channels.slice(1).map((cout, i) => ({
    cin: channels[i]!,
    cout,
    side: i === n - 2 ? resolution : 4 * 2 ** (i + 1),
  }));
}

export class ClipGenerator {
  private readonly fc: Dense;
  private readonly mBlocks: MBlock[] = [];
  private readonly fuse: Conv;
  private readonly prompt: Dense;
  private readonly out: Conv;
  private readonly gBlocks: GBlock[];
  private readonly toRgb: Conv;
  private readonly codeChannels: number;

  /**
   * GALIP fixes the code at 64 channels and the M blocks' middle at 32 for ngf 64; scg scales both with ngf
   * (ngf and ngf/2), which is the original at its width.
   */
  constructor(
    params: ParamSet,
    readonly opts: ClipGeneratorOptions,
    private readonly vit: VisionTransformer,
  ) {
    const w = opts.width;
    const cond = opts.zDim + opts.embedDim;
    this.codeChannels = w;
    const mid = Math.max(1, Math.floor(w / 2));
    this.fc = params.dense('fc_code', opts.zDim, vit.grid * vit.grid * w);
    for (let i = 0; i < 4; i++) this.mBlocks.push(new MBlock(params, `mapping/m${i}`, w, mid, w, cond, 3));
    this.fuse = params.conv('mapping/conv_fuse', 5, w, vit.width);
    this.prompt = params.dense('mapping/fc_prompt', cond, vit.width * opts.promptLayers.length);
    const layout = gBlockLayout(w, opts.resolution);
    // 8ngf from 32 px up, as GALIP's 224 px has; smaller resolutions start lower.
    this.out = params.conv('mapping/conv', 5, vit.width, layout[0]!.cin);
    this.gBlocks = layout.map((b, i) => new GBlock(params, `g${i}`, b.cin, b.cout, cond, b.side));
    this.toRgb = params.conv('to_rgb', 3, layout.at(-1)!.cout, 3);
  }

  /** The fused map through CLIP's layers; layer i of `promptLayers` runs with that prompt appended, then drops it. */
  private mapper(fused: tf.Tensor4D, prompts: tf.Tensor3D): tf.Tensor4D {
    let x = this.vit.tokens(fused);
    const n = x.shape[1];
    for (let i = 0; i < this.vit.layers; i++) {
      const k = this.opts.promptLayers.indexOf(i);
      if (k < 0) x = this.vit.layer(i, x);
      else {
        const withPrompt = tf.concat([x, tf.slice(prompts, [0, k, 0], [-1, 1, -1])], 1) as tf.Tensor3D;
        x = tf.slice(this.vit.layer(i, withPrompt), [0, 0, 0], [-1, n, -1]);
      }
    }
    return this.vit.tokenMap(x);
  }

  /**
   * Images as G draws them: no tanh, as in GALIP (its to_rgb ends at the conv). Outside training they are clamped
   * to [-1, 1], as GALIP's sampling and test code clamp them.
   */
  apply(x: GeneratorInputs, mode: BatchNormMode): GeneratorOutput {
    const cond = tf.concat([x.noise, x.sentence], 1) as tf.Tensor2D;
    const g = this.vit.grid;
    let h = tf.reshape(dense(x.noise, this.fc), [-1, g, g, this.codeChannels]) as tf.Tensor4D;
    for (const m of this.mBlocks) h = m.apply(h, cond);
    const fused = conv(h, this.fuse);
    const prompts = tf.reshape(dense(cond, this.prompt), [-1, this.opts.promptLayers.length, this.vit.width]);
    const mapped = this.mapper(fused, prompts as tf.Tensor3D);
    h = conv(tf.add(fused, tf.mul(mapped, 0.1)) as tf.Tensor4D, this.out);
    for (const b of this.gBlocks) h = b.apply(h, cond);
    const images = toImages(h, this.toRgb, mode.training);
    return {images: [images], kl: tf.scalar(0), maps: [mapped]};
  }
}
