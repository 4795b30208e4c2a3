import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {beforeEach, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, TEST_BACKENDS, useBackend, useBestBackend} from '../../../../test/support';
import {kerasInceptionV3} from '../../../../test/keras-inception-v3';
import {TINY_CONFIG, tinyBackbone, tinyExperiment} from '../../../../test/tiny';
import {saveTinyInception, tinyInception} from '../../../../test/tiny-inception';
import {loadConfig} from '../../../config/load';
import {writeCheckpoint} from '../../../core/checkpoint';
import {saveLayersModel} from '../../../core/model-files';
import {Rng} from '../../../core/rng';
import {ParamSet} from '../../../nn/params';
import {ScgError} from '../../../errors';
import {buildPretrain} from '../../../runtime/phases/pretrain';
import {encodersFromSource} from '../../../runtime/pretrained-encoders';
import {encoders} from '../..';
import {InceptionImageEncoder, loadInceptionTrunk} from './inception-image-encoder';

const folder = async (seed = 1) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-damsm-incv3-'));
  await saveTinyInception(dir, seed);
  return dir;
};
const inception = (dir: string) => ['encoders.imageEncoder=inception-v3', `encoders.inceptionPath=${dir}`];
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('damsm image encoder on a frozen Inception-v3 (encoders.imageEncoder: inception-v3)', () => {
  beforeEach(useBestBackend);

  it("gives the trunk's region map and pooled code (inference mode) through the two projections, the only variables", async () => {
    const dir = await folder();
    const {config, dataset} = await tinyExperiment(inception(dir));
    const before = tf.memory().numTensors;
    const model = await buildPretrain(config, dataset);
    const names = [...model.params.variables.keys()].filter((n) => n.includes('/image/'));
    assert.deepEqual(names.sort(), [
      'encoders/image/global_proj/b',
      'encoders/image/global_proj/w',
      'encoders/image/region_proj/w',
    ]);
    assert.match(model.encoders.frozenSha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(model.stateExtra()['frozenSha256'], model.encoders.frozenSha256);
    const images = tf.tensor4d(seededValues(2 * 16 * 16 * 3, 3), [2, 16, 16, 3]);
    const reference = tinyInception();
    const sub = tf.model({inputs: reference.inputs, outputs: reference.getLayer('mixed7').output as tf.SymbolicTensor});
    tf.tidy(() => {
      const codes = model.encoders.encodeImage(images);
      // Independently: PyTorch-style bilinear resize (half-pixel centres) to 24, the reference model's own predict
      // (inference mode: moving statistics), then the projections' weights by hand.
      const sized = tf.image.resizeBilinear(images, [24, 24], false, true);
      const map = sub.predict(sized) as tf.Tensor4D;
      const v = model.params.variables;
      const regionW = tf.reshape(v.get('encoders/image/region_proj/w')!, [4, 8]);
      const expectRegions = tf.matMul(tf.reshape(map, [2 * 121, 4]), regionW).reshape([2, 121, 8]);
      assert.deepEqual(codes.regions.shape, [2, 121, 8]);
      assert.ok(maxAbs(codes.regions, expectRegions) < 1e-4, 'regions = mixed7 · W_region');
      const poolModel = tf.model({
        inputs: reference.inputs,
        outputs: reference.getLayer('avg_pool').output as tf.SymbolicTensor,
      });
      const code = poolModel.predict(sized) as tf.Tensor2D;
      const expectGlobal = tf.add(
        tf.matMul(code, v.get('encoders/image/global_proj/w')!),
        v.get('encoders/image/global_proj/b')!,
      );
      assert.ok(maxAbs(codes.global, expectGlobal) < 1e-4, 'global = avg_pool · W + b');
      // The projections start as AttnGAN's: weights uniform in ±0.1.
      assert.ok(maxAbs(regionW, tf.zerosLike(regionW)) <= 0.1);
      // The GAN phase's DAMSM loss reaches the generator through the frozen trunk.
      const g = tf.grad((x: tf.Tensor) => tf.sum(model.encoders.encodeImage(x as tf.Tensor4D).global))(images);
      const gv = g.dataSync();
      assert.ok(gv.every((e) => Number.isFinite(e)) && gv.some((e) => e !== 0), 'gradient reaches the images');
    });
    // A step trains the projections only: the trunk keeps its weights (its codes move only by the projections).
    const w0 = tf.clone(model.params.variables.get('encoders/image/region_proj/w')!);
    model.step(0);
    assert.ok(maxAbs(w0, model.params.variables.get('encoders/image/region_proj/w')!) > 0, 'the projection moved');
    tf.tidy(() => {
      const sized = tf.image.resizeBilinear(images, [24, 24], false, true);
      const regionW = tf.reshape(model.params.variables.get('encoders/image/region_proj/w')!, [4, 8]);
      const expect = tf.matMul(tf.reshape(sub.predict(sized) as tf.Tensor, [242, 4]), regionW).reshape([2, 121, 8]);
      assert.ok(maxAbs(model.encoders.encodeImage(images).regions, expect) < 1e-4, 'the trunk did not change');
    });
    tf.dispose([images, w0]);
    model.dispose();
    reference.dispose();
    assert.equal(tf.memory().numTensors, before, 'building, stepping and disposing leaks nothing');
  });

  // Keras' real layout (concatenations, same-padded average pools, 1×7 / 7×1 convolutions), at 1/8 width: the
  // trunk's replaced conv and batch-norm calls must compute what the layers compute, and differentiate, everywhere.
  for (const backend of TEST_BACKENDS) {
    it(`runs Keras' InceptionV3 layout (1/8 width) as the layers do, with a gradient to the images, on ${backend}`, async () => {
      await useBackend(backend);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-damsm-keras-'));
      const saved = kerasInceptionV3({widthScale: 1 / 8, classes: 10});
      await saveLayersModel(saved, dir);
      saved.dispose();
      const before = tf.memory().numTensors;
      const trunk = await loadInceptionTrunk({path: dir, regionLayer: 'mixed7', poolLayer: 'avg_pool'});
      const params = new ParamSet('encoders', Rng.for(0, 'test'));
      const encoder = new InceptionImageEncoder(params, trunk, 8);
      const reference = kerasInceptionV3({widthScale: 1 / 8, classes: 10});
      const sub = tf.model({
        inputs: reference.inputs,
        outputs: [reference.getLayer('mixed7').output, reference.getLayer('avg_pool').output] as tf.SymbolicTensor[],
      });
      const images = tf.tensor4d(seededValues(64 * 64 * 3, 9), [1, 64, 64, 3]);
      tf.tidy(() => {
        const codes = encoder.encode(images);
        const [map, pooled] = sub.predict(tf.image.resizeBilinear(images, [299, 299], false, true)) as tf.Tensor[];
        assert.deepEqual(map!.shape, [1, 17, 17, 96]);
        const w = params.variables;
        const regions = tf.matMul(tf.reshape(map!, [289, 96]), tf.reshape(w.get('encoders/region_proj/w')!, [96, 8]));
        assert.ok(maxAbs(codes.regions, tf.expandDims(regions, 0)) < 1e-3, 'regions');
        const global = tf.add(tf.matMul(pooled!, w.get('encoders/global_proj/w')!), w.get('encoders/global_proj/b')!);
        assert.ok(maxAbs(codes.global, global) < 1e-3, 'global');
        const g = tf
          .grad((x: tf.Tensor) => tf.sum(encoder.encode(x as tf.Tensor4D).global))(images)
          .dataSync();
        assert.ok(g.every((e) => Number.isFinite(e)) && g.some((e) => e !== 0), 'gradient reaches the images');
      });
      reference.dispose();
      images.dispose();
      params.dispose();
      trunk.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('refuses to restore pretrained projections onto other trunk files', async () => {
    const dir = await folder();
    const {config, dataset} = await tinyExperiment(inception(dir));
    const model = await buildPretrain(config, dataset);
    const ckpt = path.join(dir, 'pretrain.ckpt');
    const header = {
      runId: 'test',
      configHash: 'test',
      phase: 'pretrain' as const,
      step: 1,
      rng: {seed: 0, scheme: 'keyed-sfc32' as const},
      extra: model.stateExtra(),
    };
    const {sha256} = writeCheckpoint(ckpt, header, model.params.variables);
    model.dispose();
    const src = {
      kind: 'checkpoint' as const,
      config: config.encoders,
      vocabSize: dataset.vocab.size,
      checkpoint: ckpt,
      sha256,
    };
    const before = tf.memory().numTensors;
    const same = await encodersFromSource(src);
    assert.equal(same.encoders.frozenSha256, header.extra['frozenSha256']);
    same.dispose();
    assert.equal(tf.memory().numTensors, before);
    await saveTinyInception(dir, 2);
    await assert.rejects(
      encodersFromSource(src),
      (e: unknown) => e instanceof ScgError && e.code === 'BAD_INPUT' && /frozen weights differ/.test(e.message),
    );
    assert.equal(tf.memory().numTensors, before, 'a refused restore frees what it built');
  });

  it('names the problem in the config: no inceptionPath, a backbone that bridges, missing files, unknown layers', async () => {
    const problem = (sets: string[], re: RegExp) =>
      assert.throws(
        () => loadConfig(TINY_CONFIG, sets),
        (e: unknown) => e instanceof ScgError && e.code === 'BAD_INPUT' && re.test(e.message),
      );
    problem(['encoders.imageEncoder=inception-v3'], /encoders\.inceptionPath[\s\S]*needs encoders\.inceptionPath/);
    const dir = await folder();
    problem([...inception(dir), tinyBackbone('galip')], /encoders\.imageEncoder[\s\S]*only in imageEncoder cnn/);
    const entry = encoders.get('damsm');
    const {config} = loadConfig(TINY_CONFIG, inception(path.join(dir, 'nope')));
    assert.throws(
      () => entry.checkFiles?.(config.encoders),
      (e: unknown) => e instanceof ScgError && /nope\/model\.json does not exist/.test(e.message),
    );
    const {config: badLayer, dataset} = await tinyExperiment([
      ...inception(dir),
      'encoders.inceptionRegionLayer=mixed6',
    ]);
    const before = tf.memory().numTensors;
    await assert.rejects(
      buildPretrain(badLayer, dataset),
      (e: unknown) => e instanceof ScgError && /inceptionRegionLayer: the model has no layer 'mixed6'/.test(e.message),
    );
    assert.equal(tf.memory().numTensors, before, 'a refused build frees the loaded model');
  });
});
