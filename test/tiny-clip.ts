// Writes a tiny random CLIP folder in the Hugging Face layout (config.json, model.safetensors, vocab.json, merges.txt).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {encodeSafetensors, type NamedTensor} from '../src/core/safetensors';
import {byteCharacters} from '../src/text/clip-bpe';
import {seededValues} from './support';

export interface TinyClipOptions {
  textWidth?: number;
  textLayers?: number;
  textHeads?: number;
  visionWidth?: number;
  visionLayers?: number;
  visionHeads?: number;
  patch?: number;
  imageSize?: number;
  projection?: number;
  context?: number;
  act?: 'quick_gelu' | 'gelu';
  seed?: number;
}

/** Merges of the tiny tokenizer, in rank order: enough to make whole tokens of a few caption words. */
export const TINY_MERGES = ['r e', 'b i', 'bi r', 'bir d</w>', 're d</w>', 's m', 'a l', 'sm al', 'smal l</w>', 'w i'];

/** The tiny tokenizer's vocabulary, in CLIP's order: bytes, bytes + `</w>`, each merge's result, the two specials. */
export function tinyClipVocab(): string[] {
  const bytes = byteCharacters();
  return [
    ...bytes,
    ...bytes.map((b) => `${b}</w>`),
    ...TINY_MERGES.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
}

/** The weights as the transformers library names them, PyTorch layouts (`[out, in]` linears, `[W, 3, p, p]` patches). */
export function tinyClipWeights(o: Required<TinyClipOptions>, vocabSize: number): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  let seed = o.seed;
  const put = (key: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = seededValues(n, seed++).map((v) => offset + scale * v);
    out.set(key, {dtype: 'F32', shape, data});
  };
  const tower = (prefix: string, w: number, layers: number) => {
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        put(`${p}.self_attn.${proj}.weight`, [w, w], 0.5 / Math.sqrt(w));
        put(`${p}.self_attn.${proj}.bias`, [w], 0.1);
      }
      put(`${p}.layer_norm1.weight`, [w], 0.2, 1);
      put(`${p}.layer_norm1.bias`, [w], 0.1);
      put(`${p}.mlp.fc1.weight`, [4 * w, w], 1 / Math.sqrt(w));
      put(`${p}.mlp.fc1.bias`, [4 * w], 0.1);
      put(`${p}.mlp.fc2.weight`, [w, 4 * w], 0.5 / Math.sqrt(4 * w));
      put(`${p}.mlp.fc2.bias`, [w], 0.1);
      put(`${p}.layer_norm2.weight`, [w], 0.2, 1);
      put(`${p}.layer_norm2.bias`, [w], 0.1);
    }
  };
  put('text_model.embeddings.token_embedding.weight', [vocabSize, o.textWidth], 1);
  put('text_model.embeddings.position_embedding.weight', [o.context, o.textWidth], 0.5);
  tower('text_model', o.textWidth, o.textLayers);
  put('text_model.final_layer_norm.weight', [o.textWidth], 0.2, 1);
  put('text_model.final_layer_norm.bias', [o.textWidth], 0.1);
  const grid = o.imageSize / o.patch;
  put('vision_model.embeddings.class_embedding', [o.visionWidth], 1);
  put('vision_model.embeddings.patch_embedding.weight', [o.visionWidth, 3, o.patch, o.patch], 1 / o.patch);
  put('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, o.visionWidth], 0.5);
  put('vision_model.pre_layrnorm.weight', [o.visionWidth], 0.2, 1);
  put('vision_model.pre_layrnorm.bias', [o.visionWidth], 0.1);
  tower('vision_model', o.visionWidth, o.visionLayers);
  put('vision_model.post_layernorm.weight', [o.visionWidth], 0.2, 1);
  put('vision_model.post_layernorm.bias', [o.visionWidth], 0.1);
  put('visual_projection.weight', [o.projection, o.visionWidth], 1 / Math.sqrt(o.visionWidth));
  put('text_projection.weight', [o.projection, o.textWidth], 1 / Math.sqrt(o.textWidth));
  put('logit_scale', [], 0, 2.6592);
  return out;
}

export const TINY_CLIP_DEFAULTS: Required<TinyClipOptions> = {
  textWidth: 16,
  textLayers: 2,
  textHeads: 2,
  visionWidth: 24,
  visionLayers: 3,
  visionHeads: 3,
  patch: 8,
  imageSize: 32,
  projection: 12,
  context: 20,
  act: 'quick_gelu',
  seed: 11,
};

/** Writes the folder; returns the options used and the weights written. */
export function writeTinyClip(
  dir: string,
  opts: TinyClipOptions = {},
): {o: Required<TinyClipOptions>; weights: Map<string, NamedTensor>; vocab: string[]} {
  const o = {...TINY_CLIP_DEFAULTS, ...opts};
  const vocab = tinyClipVocab();
  const weights = tinyClipWeights(o, vocab.length);
  fs.mkdirSync(dir, {recursive: true});
  const tower = (w: number, layers: number, heads: number) => ({
    hidden_size: w,
    intermediate_size: 4 * w,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    hidden_act: o.act,
    layer_norm_eps: 1e-5,
  });
  const config = {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: o.projection,
    text_config: {
      ...tower(o.textWidth, o.textLayers, o.textHeads),
      vocab_size: vocab.length,
      max_position_embeddings: o.context,
    },
    vision_config: {
      ...tower(o.visionWidth, o.visionLayers, o.visionHeads),
      image_size: o.imageSize,
      patch_size: o.patch,
    },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(weights, {format: 'pt'}));
  fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(vocab.map((t, i) => [t, i]))));
  fs.writeFileSync(path.join(dir, 'merges.txt'), `#version: 0.2\n${TINY_MERGES.join('\n')}\n`);
  return {o, weights, vocab};
}
