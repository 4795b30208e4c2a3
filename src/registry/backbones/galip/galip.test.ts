// galip on scg's DAMSM encoders (the substitute bridge) and on a loaded CLIP (GALIP's structure).
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {useBestBackend} from '../../../../test/support';
import {tinyBackbone, tinyEncoders, tinyExperiment} from '../../../../test/tiny';
import {writeTinyClip} from '../../../../test/tiny-clip';
import {Rng} from '../../../core/rng';
import {ParamSet} from '../../../nn/params';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {encoders} from '../../encoders';
import type {FileEncoderDescriptor, VisionTransformer} from '../../encoders/descriptor';
import {ClipDiscriminator} from './clip-discriminator';
import {ClipGenerator, gBlockLayout} from './clip-generator';

describe('galip', () => {
  before(useBestBackend);

  it('a G+D step leaves the frozen encoder unchanged while G and D (which run through it) learn', async () => {
    const {config, dataset} = await tinyExperiment([tinyBackbone('galip')]);
    const enc = await tinyEncoders(config, dataset);
    const trainer = buildGan(config, dataset, enc.encoders);
    const snapshot = (m: Map<string, {dataSync(): ArrayLike<number>}>) =>
      new Map([...m].map(([k, v]) => [k, Array.from(v.dataSync())]));
    const frozen = snapshot(enc.params.variables);
    const g = snapshot(trainer.model.g.variables);
    const d = snapshot(trainer.model.d.variables);
    const losses = trainer.step(0);
    trainer.step(1);
    assert.ok('g_neg_cos' in losses && 'd_magp' in losses);
    for (const [k, v] of enc.params.variables)
      assert.deepEqual(Array.from(v.dataSync()), frozen.get(k), `encoder ${k} changed`);
    const moved = (before: Map<string, number[]>, now: Map<string, {dataSync(): ArrayLike<number>}>) =>
      [...now].filter(([k, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(k)![i])).length;
    assert.ok(moved(g, trainer.model.g.variables) > 0.5 * g.size, 'G learns through the frozen bridge');
    assert.ok(moved(d, trainer.model.d.variables) > 0.5 * d.size, 'D learns on frozen features');
    trainer.dispose();
    enc.params.dispose();
  });
});

describe('galip on a CLIP encoder (GALIP structure)', () => {
  before(useBestBackend);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-galip-clip-'));
  writeTinyClip(dir);
  const sets = [tinyBackbone('galip'), 'backbone.promptLayers=[1]', 'backbone.featureLayers=[0, 1, 2]'];

  it("lays out G blocks as GALIP's get_G_in_out_chs does", () => {
    assert.deepEqual(gBlockLayout(64, 224), [
      {cin: 512, cout: 512, side: 8},
      {cin: 512, cout: 512, side: 16},
      {cin: 512, cout: 256, side: 32},
      {cin: 256, cout: 128, side: 64},
      {cin: 128, cout: 64, side: 224},
    ]);
  });

  it("has GALIP's parameter count at its size (ngf = ndf = 64, z 100, ViT-B/32 width 768 on a 7×7 grid)", () => {
    const vit = {width: 768, grid: 7, layers: 12} as VisionTransformer;
    const g = new ParamSet('g', Rng.for('galip', 'g'));
    const d = new ParamSet('d', Rng.for('galip', 'd'));
    new ClipGenerator(
      g,
      {width: 64, zDim: 100, embedDim: 512, resolution: 224, promptLayers: [1, 2, 3, 4, 5, 6, 7, 8]},
      vit,
    );
    new ClipDiscriminator(d, vit, 3, 64, 512);
    // Counted by hand from the module list of tobran/GALIP models/GALIP.py (cond = 100 + 512 = 612).
    const cond = 612;
    const linear = (i: number, o: number) => i * o + o;
    const convP = (k: number, i: number, o: number, bias = true) => k * k * i * o + (bias ? o : 0);
    const affine = (c: number) => 2 * (linear(cond, c) + linear(c, c));
    const fuse = (c: number) => 2 * affine(c);
    const mBlock = convP(3, 64, 32) + fuse(32) + convP(3, 32, 64) + fuse(64);
    const gBlock = (i: number, o: number) =>
      fuse(i) + convP(3, i, o) + fuse(o) + convP(3, o, o) + (i !== o ? convP(1, i, o) : 0);
    const netG =
      linear(100, 7 * 7 * 64) +
      4 * mBlock +
      convP(5, 64, 768) +
      linear(cond, 768 * 8) +
      convP(5, 768, 512) +
      gBlock(512, 512) * 2 +
      gBlock(512, 256) +
      gBlock(256, 128) +
      gBlock(128, 64) +
      convP(3, 64, 3);
    // GALIP's D_Block builds its 1×1 conv_s even when fin = fout and never uses it: 2 · (768·768 + 768) not counted.
    const dBlock = (i: number, o: number) =>
      convP(3, i, o, false) + convP(3, o, o, false) + 1 + (i !== o ? convP(1, i, o) : 0);
    const netD = 2 * (dBlock(768, 768) + 1) + dBlock(768, 512);
    const netC = convP(4, 1024, 128, false) + convP(4, 128, 1, false);
    const count = (p: ParamSet) => [...p.variables.values()].reduce((s, v) => s + v.size, 0);
    assert.equal(count(g), netG);
    assert.equal(count(d), netD + netC);
    g.dispose();
    d.dispose();
  });

  it('a G+D step trains G through the frozen CLIP layers and D on three layers, without leaks', async () => {
    const {config, dataset} = await tinyExperiment([...sets, `encoders={name: clip, path: ${dir}}`, 'phases=[train]']);
    const entry = encoders.get('clip') as FileEncoderDescriptor;
    const loaded = await entry.load(config.encoders, {vocab: dataset.vocab, maxWords: config.dataset.maxWords});
    const trainer = buildGan(config, dataset, loaded.encoders);
    const snapshot = (m: Map<string, {dataSync(): ArrayLike<number>}>) =>
      new Map([...m].map(([k, v]) => [k, Array.from(v.dataSync())]));
    const g = snapshot(trainer.model.g.variables);
    const d = snapshot(trainer.model.d.variables);
    trainer.step(0);
    const tensors = tf.memory().numTensors;
    const losses = trainer.step(1);
    assert.equal(tf.memory().numTensors, tensors, 'a step leaves no tensors behind');
    assert.ok(Number.isFinite(losses['g_neg_cos']) && losses['d_magp']! > 0);
    const moved = (before: Map<string, number[]>, now: Map<string, {dataSync(): ArrayLike<number>}>) =>
      [...now].filter(([k, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(k)![i]));
    const gMoved = moved(g, trainer.model.g.variables).map(([k]) => k);
    // The prompt layer learns only through the CLIP layers it feeds, so its moving shows the bridge passes gradients.
    assert.ok(gMoved.includes('g/mapping/fc_prompt/w'), `G's prompts learn: moved ${gMoved.join(', ')}`);
    assert.ok(gMoved.length > 0.5 * g.size, 'most of G learns');
    const dMoved = moved(d, trainer.model.d.variables).map(([k]) => k);
    for (const k of ['d/d0/beta', 'd/d1/beta']) assert.ok(dMoved.includes(k), `D's gate ${k} learns`);
    trainer.dispose();
    loaded.dispose();
  });
});
