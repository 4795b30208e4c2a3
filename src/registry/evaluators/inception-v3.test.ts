import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useBestBackend} from '../../../test/support';
import {tinyExperiment} from '../../../test/tiny';
import {tinyInception} from '../../../test/tiny-inception';
import {ScgError} from '../../errors';
import {saveLayersModel} from '../../core/model-files';
import {evaluators} from '..';

describe('inception-v3 evaluator (file loader)', () => {
  before(useBestBackend);

  it('loads a layers model from model.json + shards and gives its pool features and probabilities', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-incv3-'));
    const model = tinyInception();
    await saveLayersModel(model, dir);
    const {config, dataset} = await tinyExperiment([`eval.inceptionPath=${dir}`, 'eval.evaluator=inception-v3']);
    const ex = await evaluators.get('inception-v3').build({config, dataset, cacheDir: dir, log: () => {}});
    assert.equal(ex.featureDim, 6);
    assert.match(ex.weightsSha256, /^[0-9a-f]{64}$/);
    const images = tf.tensor4d(seededValues(3 * 16 * 16 * 3, 5), [3, 16, 16, 3]);
    const {features, probs} = ex.extract(images);
    const expected = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(images, [24, 24]);
      const sub = tf.model({inputs: model.inputs, outputs: model.getLayer('avg_pool').output as tf.SymbolicTensor});
      return sub.predict(resized) as tf.Tensor2D;
    });
    assert.deepEqual(features.shape, [3, 6]);
    assert.ok(
      tf.max(tf.abs(tf.sub(features, expected))).dataSync()[0]! < 1e-5,
      'features = avg_pool of the resized images',
    );
    tf.sum(probs, 1)
      .dataSync()
      .forEach((v) => assert.ok(Math.abs(v - 1) < 1e-5));
    tf.dispose([images, features, probs, expected]);
    ex.dispose();
  });

  it('names the file for a missing model, a missing shard and an unknown pool layer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scg-incv3-'));
    const build = async (sets: string[]) => {
      const {config, dataset} = await tinyExperiment(['eval.evaluator=inception-v3', ...sets]);
      return evaluators.get('inception-v3').build({config, dataset, cacheDir: dir, log: () => {}});
    };
    const rejects = (p: Promise<unknown>, re: RegExp) =>
      assert.rejects(p, (e: unknown) => e instanceof ScgError && e.code === 'BAD_INPUT' && re.test(e.message));
    await rejects(build([`eval.inceptionPath=${dir}/nope`]), /model\.json does not exist/);
    await rejects(build([]), /eval\.inceptionPath, which is not set/);
    await saveLayersModel(tinyInception(), dir);
    await rejects(build([`eval.inceptionPath=${dir}`, 'eval.inceptionPoolLayer=pool5']), /no layer 'pool5'/);
    fs.rmSync(path.join(dir, 'weights.bin'));
    await rejects(
      build([`eval.inceptionPath=${dir}`]),
      /weight shard .*weights\.bin listed in .*model\.json is missing/,
    );
  });
});
