import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {saveTinyDualEncoder} from '../../../../test/tiny-dual-encoder';
import {TINY_CONFIG, tinyBackbone, tinyExperiment} from '../../../../test/tiny';
import {useBestBackend} from '../../../../test/support';
import {loadConfig} from '../../../config/load';
import {ScgError} from '../../../errors';
import {readModelFiles} from '../../../core/model-files';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {Vocabulary} from '../../../text/vocabulary';
import {loadTfjsEncoders} from '.';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'scg-tfjs-enc-'));

describe('tfjs encoders (a CLIP-style dual encoder loaded from a folder)', () => {
  before(useBestBackend);

  it("maps dataset words to the model's tokens, names the words it lacks, and gives codes of the right shapes", async () => {
    const dir = tmp();
    await saveTinyDualEncoder(dir, {vocab: ['<pad>', '<unk>', 'red', 'circle', 'a'], words: 12});
    const vocab = new Vocabulary(['<pad>', '<unk>', 'a', 'red', 'blue', 'circle']);
    const loaded = await loadTfjsEncoders(dir, vocab, 10);
    assert.deepEqual(loaded.unknownWords, ['blue']);
    assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
    const raw = await tf.loadLayersModel({load: async () => readModelFiles(path.join(dir, 'text'), 'test').artifacts});
    tf.tidy(() => {
      const ids = [...vocab.encode('a blue circle', 10).ids, 0, 0, 0, 0, 0, 0, 0];
      const tokens = tf.tensor2d([ids], [1, 10], 'int32');
      const text = loaded.encoders.encodeText(tokens, tf.cast(tf.greater(tokens, 0), 'float32') as tf.Tensor2D);
      assert.deepEqual(text.words.shape, [1, 10, 8]);
      assert.deepEqual(text.sentence.shape, [1, 8]);
      // In the model's vocabulary 'a' is 4, 'circle' 3, and 'blue' is missing (its unknown token, 1); captions are
      // padded to the tower's 12 words, and the word codes cut back to the dataset's 10.
      const [words, sentence] = raw.predict(
        tf.tensor2d([[4, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]], [1, 12], 'int32'),
      ) as tf.Tensor[];
      assert.deepEqual(
        Array.from(text.words.dataSync()),
        Array.from(tf.slice(words!, [0, 0, 0], [1, 10, 8]).dataSync()),
      );
      assert.deepEqual(Array.from(text.sentence.dataSync()), Array.from(sentence!.dataSync()));
      const img = loaded.encoders.encodeImage(tf.zeros([2, 32, 32, 3]) as tf.Tensor4D); // resized to the tower's 16 px
      assert.deepEqual(img.regions.shape, [2, 16, 8]);
      assert.deepEqual(img.global.shape, [2, 8]);
    });
    raw.dispose();
    assert.equal(loaded.encoders.imageLayers, undefined, 'no bridgeAfter: no split');
    const before = tf.memory().numTensors;
    loaded.dispose();
    assert.equal(tf.memory().numTensors, before - 8 - 3 - 1, "dispose frees both towers' weights and the token table");
  });

  it('drives a GALIP G+D step through its split image tower, frozen, without leaks', async () => {
    const dir = tmp();
    const {dataset} = await tinyExperiment();
    await saveTinyDualEncoder(dir, {vocab: dataset.vocab.words.slice(0, 30), bridgeAfter: 'stem'});
    const {config} = loadConfig(TINY_CONFIG, [
      tinyBackbone('galip'),
      `encoders={name: tfjs, path: ${dir}}`,
      'phases=[train]',
    ]);
    const start = tf.memory().numTensors;
    const loaded = await loadTfjsEncoders(dir, dataset.vocab, config.dataset.maxWords);
    assert.deepEqual(loaded.encoders.imageLayers!.shapes(16), {lower: [8, 6], upper: [4, 8]});
    const frozen = tf.tidy(() =>
      tf
        .concat([
          loaded.encoders.encodeImage(tf.ones([1, 16, 16, 3]) as tf.Tensor4D).global,
          loaded.encoders.encodeText(tf.ones([1, 10], 'int32') as tf.Tensor2D, tf.ones([1, 10])).sentence,
        ])
        .arraySync(),
    );
    const trainer = buildGan(config, dataset, loaded.encoders);
    const g0 = trainer.model.g.variables.get('g/decoder2/c1/w')!.arraySync();
    trainer.step(0);
    const between = tf.memory().numTensors;
    const losses = trainer.step(1);
    assert.equal(tf.memory().numTensors, between, 'no tensors leak across steps');
    for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `${k} finite`);
    assert.notDeepEqual(
      trainer.model.g.variables.get('g/decoder2/c1/w')!.arraySync(),
      g0,
      'G learns through the bridge',
    );
    const after = tf.tidy(() =>
      tf
        .concat([
          loaded.encoders.encodeImage(tf.ones([1, 16, 16, 3]) as tf.Tensor4D).global,
          loaded.encoders.encodeText(tf.ones([1, 10], 'int32') as tf.Tensor2D, tf.ones([1, 10])).sentence,
        ])
        .arraySync(),
    );
    assert.deepEqual(after, frozen, 'the loaded encoders stay frozen');
    trainer.dispose();
    loaded.dispose();
    assert.equal(tf.memory().numTensors, start, 'trainer and encoders free everything they made');
  });

  it('rejects broken folders with BAD_INPUT naming the file', async () => {
    const vocab = new Vocabulary(['<pad>', '<unk>', 'a']);
    const expectBad = async (dir: string, pattern: RegExp) => {
      await assert.rejects(
        loadTfjsEncoders(dir, vocab, 10),
        (err: unknown) => err instanceof ScgError && err.code === 'BAD_INPUT' && pattern.test(err.message),
      );
    };
    await expectBad(path.join(tmp(), 'missing'), /is not a folder/);
    const noManifest = tmp();
    await expectBad(noManifest, /encoder\.json does not exist/);
    const wrong = tmp();
    await saveTinyDualEncoder(wrong, {vocab: ['<pad>', '<unk>', 'a']});
    fs.writeFileSync(
      path.join(wrong, 'encoder.json'),
      JSON.stringify({format: 'clip', version: 1, vocab: ['<pad>', '<unk>'], unknownToken: 1}),
    );
    await expectBad(wrong, /encoder\.json must have "format": "scg-dual-encoder"/);
    const badLayer = tmp();
    await saveTinyDualEncoder(badLayer, {vocab: ['<pad>', '<unk>', 'a'], bridgeAfter: 'nope'});
    await expectBad(badLayer, /bridgeAfter names layer 'nope'/);
    const short = tmp();
    await saveTinyDualEncoder(short, {vocab: ['<pad>', '<unk>', 'a'], words: 4});
    await expectBad(short, /takes 4 words, but the dataset's captions have up to 10/);
    const noShard = tmp();
    await saveTinyDualEncoder(noShard, {vocab: ['<pad>', '<unk>', 'a']});
    fs.rmSync(path.join(noShard, 'image', 'weights.bin'));
    await expectBad(noShard, /weight shard .*weights\.bin.* is missing/);
  });

  it('the config check: loaded encoders train without pretraining, and refuse pretrain and encodersFrom', () => {
    const tiny = TINY_CONFIG;
    const enc = 'encoders={name: tfjs, path: /nowhere}';
    assert.doesNotThrow(() => loadConfig(tiny, [enc, 'phases=[train]']));
    assert.throws(
      () => loadConfig(tiny, [enc, 'phases=[pretrain, train]']),
      /loaded frozen from \/nowhere; the pretrain phase has nothing to train/,
    );
    assert.throws(
      () => loadConfig(tiny, [enc, 'phases=[train]', 'train.encodersFrom=abc']),
      /train\.encodersFrom has nothing to take/,
    );
    assert.throws(() => loadConfig(tiny, ['encoders={name: tfjs}', 'phases=[train]']), /path/);
  });
});
