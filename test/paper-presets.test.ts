// The paper-scale presets (configs/paper/): each validates as shipped, builds its encoders, G and D at full size and
// takes one pretraining step and one GAN step with batch 2 on the suite's backend without leaking tensors. The
// parameter counts and step times it prints are the ones docs/backbones.md lists.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {loadConfig} from '../src/config/load';
import type {ExperimentConfig} from '../src/config/types';
import {datasets, encoders} from '../src/registry';
import type {EncoderPair} from '../src/registry/encoders/descriptor';
import {buildGan} from '../src/runtime/phases/gan-trainer';
import {buildPretrain} from '../src/runtime/phases/pretrain';
import {BEST_BACKEND, useBestBackend} from './support';
import {datasetFor, TINY_CONFIG} from './tiny';
import {writeTinyClip} from './tiny-clip';

const PAPER = path.resolve(__dirname, '../../configs/paper');
const PRESETS = fs.readdirSync(PAPER).filter((f) => f.endsWith('.yaml'));

/** Parameters of the trainable weights whose names start with `prefix` (counted from their Adam moments). */
function trainable(state: ReadonlyMap<string, tf.Tensor>, prefix: string): number {
  let n = 0;
  for (const [name, t] of state) if (name.startsWith(prefix) && name.endsWith('/adam_m')) n += t.size;
  return n;
}

/**
 * The preset with the built-in shapes data in place of the CUB / COCO folders (not in the repository) at the
 * preset's resolution, captions and words, batch 2 in both phases, and uniform initial weights.
 */
async function standIn(config: ExperimentConfig) {
  const d = config.dataset;
  const name = datasetFor(config.contrastive.mode);
  const set = `dataset={name: ${name}, resolution: ${d.resolution}, size: 8, captionsPerImage: ${d.captionsPerImage}, maxWords: ${d.maxWords}}`;
  const dataset = loadConfig(TINY_CONFIG, [
    set,
    `contrastive.mode=${config.contrastive.mode}`,
    `backbone=${config.backbone.name}`,
  ]).config.dataset;
  // AttnGAN's orthogonal init (the attngan and dmgan default) costs about a minute of QR per 256-px model here and
  // changes neither structure nor counts; nn/orthogonal.test.ts tests it, so the stand-in starts from uniform
  const backbone = 'init' in config.backbone ? {...config.backbone, init: 'uniform'} : config.backbone;
  const cfg: ExperimentConfig = {
    ...config,
    backbone,
    dataset,
    pretrain: {...config.pretrain, batchSize: 2},
    train: {...config.train, batchSize: 2},
  };
  return {cfg, ds: await datasets.get(name).build(dataset)};
}

/**
 * A random CLIP folder with ViT-B/32's shapes (widths, depths, heads, 224 px, 32-px patches, 77 tokens, 512-d joint
 * space), written once; only its token embedding is smaller (the tiny tokenizer's vocabulary, not 49,408 tokens).
 */
let clipFolder: string | undefined;
function vitB32(): string {
  if (clipFolder) return clipFolder;
  clipFolder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-presets-clip-')), 'clip-vit-base-patch32');
  writeTinyClip(clipFolder, {
    textWidth: 512,
    textLayers: 12,
    textHeads: 8,
    visionWidth: 768,
    visionLayers: 12,
    visionHeads: 12,
    patch: 32,
    imageSize: 224,
    projection: 512,
    context: 77,
  });
  return clipFolder;
}

describe(`paper presets (configs/paper/) at full size on ${BEST_BACKEND}`, () => {
  before(async () => {
    await useBestBackend();
    // the paper protocols check that pytorch-fid's Inception weights exist; a stand-in file satisfies the check
    const weights = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-presets-')), 'pt_inception.safetensors');
    fs.writeFileSync(weights, '');
    process.env['SCG_FID_INCEPTION'] = weights;
  });

  it('has one preset per backbone × dataset', () => {
    assert.deepEqual(PRESETS.sort(), [
      'attngan-coco.yaml',
      'attngan-cub.yaml',
      'dmgan-coco.yaml',
      'dmgan-cub.yaml',
      'galip-coco.yaml',
      'galip-cub.yaml',
      'ssagan-coco.yaml',
      'ssagan-cub.yaml',
    ]);
  });

  for (const file of PRESETS) {
    it(`${file}: validates, builds at full size, and steps both phases with batch 2 without leaks`, async () => {
      const {config} = loadConfig(path.join(PAPER, file));
      const [backbone, data] = file.replace('.yaml', '').split('-');
      assert.equal(config.backbone.name, backbone);
      assert.equal(config.dataset.name, data);
      // GALIP runs on a frozen CLIP loaded from files, at its 224 px, with no pretraining phase.
      const entry = encoders.get(config.encoders.name);
      assert.equal(config.dataset.resolution, backbone === 'galip' ? 224 : 256);
      assert.equal(entry.kind, backbone === 'galip' ? 'files' : 'trained');
      assert.deepEqual(config.phases, entry.kind === 'files' ? ['train', 'eval'] : ['pretrain', 'train', 'eval']);
      const {cfg, ds} = await standIn(
        entry.kind === 'files' ? {...config, encoders: {...config.encoders, path: vitB32()}} : config,
      );

      let enc: EncoderPair;
      let release: () => void;
      let pretrainNote = '';
      let encoderParams = 0;
      if (entry.kind === 'files') {
        const loaded = await entry.load(cfg.encoders, {vocab: ds.vocab, maxWords: cfg.dataset.maxWords});
        [enc, release] = [loaded.encoders, () => loaded.dispose()];
      } else {
        const pre = await buildPretrain(cfg, ds);
        const before = tf.memory().numTensors;
        const t0 = performance.now();
        const preLosses = pre.step(0);
        pretrainNote = `pretrain step ${(performance.now() - t0).toFixed(0)} ms, `;
        assert.equal(tf.memory().numTensors, before, 'pretraining step leaked');
        for (const [k, v] of Object.entries(preLosses)) assert.ok(Number.isFinite(v), `pretrain ${k} = ${v}`);
        encoderParams = trainable(pre.stateTensors(), '');
        [enc, release] = [pre.encoders, () => pre.dispose()];
      }

      const gan = buildGan(cfg, ds, enc);
      const state = gan.stateTensors();
      const g = trainable(state, 'g/');
      const d = trainable(state, 'd/');
      assert.ok(g > 0 && d > 0, `G ${g}, D ${d}`);
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      const losses = gan.step(0);
      const ganMs = performance.now() - t0;
      assert.equal(tf.memory().numTensors, before, 'GAN step leaked');
      for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `train ${k} = ${v}`);
      console.log(
        `preset ${file}: G ${g} params, D ${d}, trained encoders ${encoderParams}; batch 2 on ${BEST_BACKEND}: ${pretrainNote}GAN step ${ganMs.toFixed(0)} ms`,
      );
      gan.dispose();
      release();
    });
  }
});
