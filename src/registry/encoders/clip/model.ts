// CLIP's two transformers in tfjs, on weights keyed as the transformers library saves them (frozen tensors).
import * as tf from '@tensorflow/tfjs';
import type {NamedTensor} from '../../../core/safetensors';
import type {ClipConfig, ClipTowerConfig} from './folder';

interface Linear {
  /** `[in, out]` (the file's `[out, in]`, transposed once at load). */
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
}

interface Norm {
  g: tf.Tensor1D;
  b: tf.Tensor1D;
}

interface Block {
  ln1: Norm;
  q: Linear;
  k: Linear;
  v: Linear;
  out: Linear;
  ln2: Norm;
  fc1: Linear;
  fc2: Linear;
}

/** The frozen tensors, created from the file's arrays; `dispose` frees them all. */
class Weights {
  readonly all: tf.Tensor[] = [];
  constructor(private readonly source: Map<string, NamedTensor>) {}
  raw(key: string): tf.Tensor {
    const t = this.source.get(key)!;
    const tensor = tf.tensor(t.data as Float32Array, t.shape, 'float32');
    this.all.push(tensor);
    return tensor;
  }
  linear(key: string, bias = true): Linear {
    const w = tf.tidy(() => tf.transpose(this.raw(`${key}.weight`))) as tf.Tensor2D;
    this.all.push(w);
    return {w, ...(bias ? {b: this.raw(`${key}.bias`) as tf.Tensor1D} : {})};
  }
  norm(key: string): Norm {
    return {g: this.raw(`${key}.weight`) as tf.Tensor1D, b: this.raw(`${key}.bias`) as tf.Tensor1D};
  }
  blocks(prefix: string, n: number): Block[] {
    return Array.from({length: n}, (_, i) => {
      const p = `${prefix}.encoder.layers.${i}`;
      return {
        ln1: this.norm(`${p}.layer_norm1`),
        q: this.linear(`${p}.self_attn.q_proj`),
        k: this.linear(`${p}.self_attn.k_proj`),
        v: this.linear(`${p}.self_attn.v_proj`),
        out: this.linear(`${p}.self_attn.out_proj`),
        ln2: this.norm(`${p}.layer_norm2`),
        fc1: this.linear(`${p}.mlp.fc1`),
        fc2: this.linear(`${p}.mlp.fc2`),
      };
    });
  }
}

function linear<T extends tf.Tensor>(x: T, l: Linear): T {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]) as tf.Tensor2D;
  const y = l.b ? tf.add(tf.matMul(flat, l.w), l.b) : tf.matMul(flat, l.w);
  return tf.reshape(y, [...shape.slice(0, -1), l.w.shape[1]]) as T;
}

function layerNorm<T extends tf.Tensor>(x: T, n: Norm, eps: number): T {
  const {mean, variance} = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), n.g), n.b) as T;
}

function activation(x: tf.Tensor, act: ClipTowerConfig['act']): tf.Tensor {
  if (act === 'quick_gelu') return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** One pre-norm transformer layer on `[B, N, W]`; `causal` hides later positions (the text tower). */
function block(x: tf.Tensor3D, p: Block, c: ClipTowerConfig, causal: boolean): tf.Tensor3D {
  const [b, n, w] = x.shape;
  const d = w / c.heads;
  const heads = (t: tf.Tensor3D) => tf.transpose(tf.reshape(t, [b, n, c.heads, d]), [0, 2, 1, 3]) as tf.Tensor4D;
  const h = layerNorm(x, p.ln1, c.eps);
  const q = heads(tf.mul(linear(h, p.q), d ** -0.5) as tf.Tensor3D);
  let scores = tf.matMul(q, heads(linear(h, p.k)), false, true) as tf.Tensor4D;
  if (causal) scores = tf.add(scores, causalMask(n)) as tf.Tensor4D;
  const attended = tf.matMul(tf.softmax(scores), heads(linear(h, p.v)));
  x = tf.add(x, linear(tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [b, n, w]) as tf.Tensor3D, p.out));
  const m = linear(activation(linear(layerNorm(x, p.ln2, c.eps), p.fc1), c.act) as tf.Tensor3D, p.fc2);
  return tf.add(x, m) as tf.Tensor3D;
}

/** `[N, N]` with −1e9 above the diagonal (what a position may not attend to). */
function causalMask(n: number): tf.Tensor2D {
  return tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([n, n]), -1, 0)), -1e9) as tf.Tensor2D;
}

/** CLIP's text transformer: token + position embeddings, causal layers, a final norm, a projection. */
export class ClipText {
  private readonly tokens: tf.Tensor2D;
  private readonly positions: tf.Tensor2D;
  private readonly blocks: Block[];
  private readonly final: Norm;
  private readonly projection: Linear;
  constructor(
    w: Weights,
    private readonly c: ClipConfig['text'],
  ) {
    this.tokens = w.raw('text_model.embeddings.token_embedding.weight') as tf.Tensor2D;
    this.positions = w.raw('text_model.embeddings.position_embedding.weight') as tf.Tensor2D;
    this.blocks = w.blocks('text_model', c.layers);
    this.final = w.norm('text_model.final_layer_norm');
    this.projection = w.linear('text_projection', false);
  }

  /**
   * ids `[B, L]` (L ≤ context); returns the normed last layer `[B, L, W]` projected to the joint space. With the
   * causal mask a position never sees what follows it, so any padding after the end token changes nothing.
   */
  projectedStates(ids: tf.Tensor2D): tf.Tensor3D {
    const [, l] = ids.shape;
    let x = tf.add(tf.gather(this.tokens, ids), tf.slice(this.positions, [0, 0], [l, -1])) as tf.Tensor3D;
    for (const b of this.blocks) x = block(x, b, this.c, true);
    return linear(layerNorm(x, this.final, this.c.eps), this.projection);
  }
}

/** CLIP's vision transformer, with its stages exposed for GALIP's bridge and its multi-layer discriminator. */
export class ClipVision {
  private readonly patch: tf.Tensor4D;
  private readonly cls: tf.Tensor1D;
  private readonly positions: tf.Tensor2D;
  private readonly pre: Norm;
  private readonly post: Norm;
  private readonly blocks: Block[];
  private readonly projection: Linear;
  readonly grid: number;
  constructor(
    w: Weights,
    readonly c: ClipConfig['vision'],
  ) {
    // [W, 3, p, p] → [p, p, 3, W]
    const patch = w.raw('vision_model.embeddings.patch_embedding.weight');
    this.patch = tf.tidy(() => tf.transpose(patch, [2, 3, 1, 0])) as tf.Tensor4D;
    w.all.push(this.patch);
    this.cls = w.raw('vision_model.embeddings.class_embedding') as tf.Tensor1D;
    this.positions = w.raw('vision_model.embeddings.position_embedding.weight') as tf.Tensor2D;
    this.pre = w.norm('vision_model.pre_layrnorm');
    this.post = w.norm('vision_model.post_layernorm');
    this.blocks = w.blocks('vision_model', c.layers);
    this.projection = w.linear('visual_projection', false);
    this.grid = c.imageSize / c.patchSize;
  }

  get layers(): number {
    return this.c.layers;
  }

  /** Pixels `[B, imageSize, imageSize, 3]` (already normalised) → the patch-embedding map `[B, g, g, W]`. */
  patchMap(pixels: tf.Tensor4D): tf.Tensor4D {
    return tf.conv2d(pixels, this.patch, this.c.patchSize, 'valid');
  }

  /** A `[B, g, g, W]` map → tokens `[B, 1 + g², W]`: the class token first, positions added, the pre-norm. */
  tokens(map: tf.Tensor4D): tf.Tensor3D {
    const [b, g, , w] = map.shape;
    const cls = tf.broadcastTo(tf.reshape(this.cls, [1, 1, w]), [b, 1, w]);
    const x = tf.add(tf.concat([cls, tf.reshape(map, [b, g * g, w])], 1), this.positions) as tf.Tensor3D;
    return layerNorm(x, this.pre, this.c.eps);
  }

  /** Transformer layer `i` on tokens `[B, N, W]` (N may include extra prompt tokens). */
  layer(i: number, x: tf.Tensor3D): tf.Tensor3D {
    return block(x, this.blocks[i]!, this.c, false);
  }

  /** Tokens `[B, 1 + g², W]` → their patch tokens as a map `[B, g, g, W]`. */
  tokenMap(x: tf.Tensor3D): tf.Tensor4D {
    const [b, , w] = x.shape;
    return tf.reshape(tf.slice(x, [0, 1, 0], [-1, this.grid * this.grid, -1]), [b, this.grid, this.grid, w]);
  }

  /** The last layer's tokens → the post-norm, projected: `[B, 1 + g², D]` (index 0 is the image code). */
  project(x: tf.Tensor3D): tf.Tensor3D {
    return linear(layerNorm(x, this.post, this.c.eps), this.projection);
  }
}

export interface ClipModel {
  text: ClipText;
  vision: ClipVision;
  dispose(): void;
}

/** Builds both towers from a folder's weights (which readClipFolder has checked). */
export function buildClip(weights: Map<string, NamedTensor>, config: ClipConfig): ClipModel {
  const w = new Weights(weights);
  try {
    return {
      text: new ClipText(w, config.text),
      vision: new ClipVision(w, config.vision),
      dispose: () => tf.dispose(w.all),
    };
  } catch (err) {
    tf.dispose(w.all);
    throw err;
  }
}
