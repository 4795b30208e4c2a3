// Reads and checks a Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {type NamedTensor, readSafetensors} from '../../../core/safetensors';
import {ScgError} from '../../../errors';
import {ClipTokenizer} from '../../../text/clip-bpe';

export const CLIP_FILES = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'] as const;

export interface ClipTowerConfig {
  width: number;
  layers: number;
  heads: number;
  /** Hidden size of each layer's MLP. */
  mlp: number;
  eps: number;
  act: 'quick_gelu' | 'gelu';
}

export interface ClipConfig {
  text: ClipTowerConfig & {vocabSize: number; context: number};
  vision: ClipTowerConfig & {imageSize: number; patchSize: number};
  projectionDim: number;
}

export interface ClipFolder {
  config: ClipConfig;
  /** HF key → tensor, float32. */
  weights: Map<string, NamedTensor>;
  tokenizer: ClipTokenizer;
  /** sha256 over the four files, in CLIP_FILES order. */
  sha256: string;
}

const HINT =
  'download the folder from the Hugging Face hub (e.g. openai/clip-vit-base-patch32: config.json, model.safetensors, vocab.json, merges.txt); see docs/encoders.md';

const bad = (message: string) => new ScgError('BAD_INPUT', `encoders.path: ${message}`, {hint: HINT});

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(`${file} is not valid JSON (${(err as Error).message})`);
  }
}

/** Number of `<prefix>.encoder.layers.<i>.` blocks in the weights (they must be 0..n-1). */
function layerCount(weights: Map<string, NamedTensor>, prefix: string): number {
  let n = 0;
  while (weights.has(`${prefix}.encoder.layers.${n}.layer_norm1.weight`)) n++;
  return n;
}

/**
 * A tower's settings: widths and depth from the weights (so they cannot disagree), heads, activation and
 * epsilon from config.json's `text_config` / `vision_config`, with the transformers library's CLIP defaults.
 */
function towerConfig(
  weights: Map<string, NamedTensor>,
  json: Record<string, unknown>,
  prefix: 'text_model' | 'vision_model',
  file: string,
): ClipTowerConfig {
  const key = prefix === 'text_model' ? 'text_config' : 'vision_config';
  const section = (json[key] ?? json[`${key}_dict`] ?? {}) as Record<string, unknown>;
  const layers = layerCount(weights, prefix);
  if (layers === 0) throw bad(`${file} has no ${prefix}.encoder.layers.0 weights; it is not a CLIP model`);
  const fc1 = weights.get(`${prefix}.encoder.layers.0.mlp.fc1.weight`);
  if (!fc1) throw bad(`${file} has no ${prefix}.encoder.layers.0.mlp.fc1.weight`);
  const [mlp, width] = fc1.shape as [number, number];
  const heads = section.num_attention_heads ?? (prefix === 'text_model' ? 8 : 12);
  const act = section.hidden_act ?? 'quick_gelu';
  const eps = section.layer_norm_eps ?? 1e-5;
  if (!Number.isInteger(heads) || (heads as number) <= 0 || width % (heads as number) !== 0)
    throw bad(`config.json: ${key}.num_attention_heads (${heads}) must divide the width ${width}`);
  if (act !== 'quick_gelu' && act !== 'gelu')
    throw bad(`config.json: ${key}.hidden_act is '${act}'; scg builds quick_gelu and gelu`);
  if (typeof eps !== 'number' || !(eps > 0)) throw bad(`config.json: ${key}.layer_norm_eps must be a positive number`);
  return {width, layers, heads: heads as number, mlp, eps, act};
}

/** Every tensor the model uses, with its shape, for a config (to check the file before building anything). */
export function expectedShapes(c: ClipConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const tower = (prefix: string, t: ClipTowerConfig) => {
    for (let i = 0; i < t.layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        shapes.set(`${p}.self_attn.${proj}.weight`, [t.width, t.width]);
        shapes.set(`${p}.self_attn.${proj}.bias`, [t.width]);
      }
      for (const ln of ['layer_norm1', 'layer_norm2']) {
        shapes.set(`${p}.${ln}.weight`, [t.width]);
        shapes.set(`${p}.${ln}.bias`, [t.width]);
      }
      shapes.set(`${p}.mlp.fc1.weight`, [t.mlp, t.width]);
      shapes.set(`${p}.mlp.fc1.bias`, [t.mlp]);
      shapes.set(`${p}.mlp.fc2.weight`, [t.width, t.mlp]);
      shapes.set(`${p}.mlp.fc2.bias`, [t.width]);
    }
  };
  const {text, vision} = c;
  tower('text_model', text);
  shapes.set('text_model.embeddings.token_embedding.weight', [text.vocabSize, text.width]);
  shapes.set('text_model.embeddings.position_embedding.weight', [text.context, text.width]);
  shapes.set('text_model.final_layer_norm.weight', [text.width]);
  shapes.set('text_model.final_layer_norm.bias', [text.width]);
  tower('vision_model', vision);
  const grid = vision.imageSize / vision.patchSize;
  shapes.set('vision_model.embeddings.class_embedding', [vision.width]);
  shapes.set('vision_model.embeddings.patch_embedding.weight', [vision.width, 3, vision.patchSize, vision.patchSize]);
  shapes.set('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, vision.width]);
  // "pre_layrnorm" is how the transformers library spells it.
  for (const ln of ['pre_layrnorm', 'post_layernorm']) {
    shapes.set(`vision_model.${ln}.weight`, [vision.width]);
    shapes.set(`vision_model.${ln}.bias`, [vision.width]);
  }
  shapes.set('visual_projection.weight', [c.projectionDim, vision.width]);
  shapes.set('text_projection.weight', [c.projectionDim, text.width]);
  return shapes;
}

/** The whole config, read from the weights' shapes and config.json. */
function clipConfig(weights: Map<string, NamedTensor>, json: Record<string, unknown>, file: string): ClipConfig {
  const need = (key: string) => {
    const t = weights.get(key);
    if (!t) throw bad(`${file} has no tensor ${key}; it is not a CLIP model in the transformers library's layout`);
    return t.shape;
  };
  const [vocabSize, textWidth] = need('text_model.embeddings.token_embedding.weight') as [number, number];
  const [context] = need('text_model.embeddings.position_embedding.weight') as [number];
  const [, , patchSize] = need('vision_model.embeddings.patch_embedding.weight') as number[];
  const [positions] = need('vision_model.embeddings.position_embedding.weight') as [number];
  const [projectionDim] = need('text_projection.weight') as [number];
  const grid = Math.round(Math.sqrt(positions - 1));
  if (grid * grid + 1 !== positions)
    throw bad(`${file}: the vision position embedding has ${positions} rows, not a square grid plus one`);
  const text = towerConfig(weights, json, 'text_model', file);
  if (text.width !== textWidth)
    throw bad(`${file}: the text token embedding is ${textWidth} wide, its layers ${text.width}`);
  return {
    text: {...text, vocabSize, context},
    vision: {...towerConfig(weights, json, 'vision_model', file), imageSize: grid * patchSize!, patchSize: patchSize!},
    projectionDim,
  };
}

function readTokenizer(dir: string): ClipTokenizer {
  const vocabJson = readJson(path.join(dir, 'vocab.json'));
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(vocabJson)) {
    if (!Number.isInteger(id)) throw bad(`${dir}/vocab.json: token '${token}' has id ${JSON.stringify(id)}`);
    vocab.set(token, id as number);
  }
  try {
    return new ClipTokenizer(vocab, fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8').split('\n'));
  } catch (err) {
    throw bad(`${dir}: ${(err as Error).message}`);
  }
}

/** Checks that the four files exist (cheap; before a run row is created). */
export function checkClipFiles(dir: string): void {
  for (const f of CLIP_FILES)
    if (!fs.existsSync(path.join(dir, f)))
      throw bad(`${path.join(dir, f)} does not exist (a CLIP folder has ${CLIP_FILES.join(', ')})`);
}

/** Reads the folder and checks every tensor the model needs is there with its shape. */
export function readClipFolder(dir: string): ClipFolder {
  checkClipFiles(dir);
  const file = path.join(dir, 'model.safetensors');
  const {tensors} = readSafetensors(file, 'encoders.path');
  const config = clipConfig(tensors, readJson(path.join(dir, 'config.json')), file);
  for (const [key, shape] of expectedShapes(config)) {
    const t = tensors.get(key);
    if (!t) throw bad(`${file} has no tensor ${key}`);
    if (t.dtype !== 'F32' || t.shape.join() !== shape.join())
      throw bad(`${file}: ${key} is ${t.dtype} [${t.shape}], expected F32 [${shape}]`);
  }
  const tokenizer = readTokenizer(dir);
  if (tokenizer.startId >= config.text.vocabSize || tokenizer.endId >= config.text.vocabSize)
    throw bad(`${dir}/vocab.json's special tokens are outside the model's ${config.text.vocabSize} embeddings`);
  const hash = crypto.createHash('sha256');
  for (const f of CLIP_FILES) hash.update(fs.readFileSync(path.join(dir, f)));
  return {config, weights: tensors, tokenizer, sha256: hash.digest('hex')};
}
