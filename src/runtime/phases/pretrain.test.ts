import {strict as assert} from 'node:assert';
import {beforeEach, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {BEST_BACKEND, useBestBackend, useWasm} from '../../../test/support';
import {datasetFor, tinyExperiment} from '../../../test/tiny';
import {contrastiveModes, encoders} from '../../registry';
import {assertSameFirstGradients, assertSameLosses} from '../../../test/parallel-compare';
import {startParallelPhase, trainingOnly} from '../parallel-phase';
import {buildPretrain} from './pretrain';

describe('pretraining phase', () => {
  beforeEach(useBestBackend);

  // Data-parallel threads exist on wasm only (torch threads its own kernels), so this test runs there.
  it("2 data-parallel threads on wasm give 1 thread's gradients and losses (dropout on), and stay in step", async () => {
    await useWasm();
    const {config, dataset} = await tinyExperiment(['pretrain.batchSize=4']);
    const start = async () => {
      const rank0 = await buildPretrain(config, dataset, {rank: 0, size: 2});
      const two = await startParallelPhase(
        rank0,
        {
          module: require.resolve('./pretrain'),
          factory: 'pretrainShard',
          args: {config, dataset: trainingOnly(dataset)},
        },
        2,
      );
      return {rank0, two};
    };
    const one = await buildPretrain(config, dataset);
    const a = await start();
    try {
      one.step(0);
      a.two.step(0);
      assertSameFirstGradients(one, a.rank0, 1e-3);
    } finally {
      await a.two.close();
      a.rank0.dispose();
      one.dispose();
    }
    const fresh = await buildPretrain(config, dataset);
    const b = await start();
    try {
      assertSameLosses(fresh, b.two, 3);
      assert.deepEqual(b.two.divergence(), {max: 0}, "the threads' weights differ");
    } finally {
      await b.two.close();
      b.rank0.dispose();
      fresh.dispose();
    }
  });

  // Registry-driven: every encoder pair that pretraining trains, under every contrastive mode on wasm (a missing
  // kernel fails here). Encoders loaded frozen from files have nothing to pretrain.
  for (const enc of encoders
    .list()
    .filter((e) => e.kind === 'trained')
    .map((e) => e.name)) {
    for (const mode of contrastiveModes.names()) {
      it(`${enc} + ${mode}: one step on ${BEST_BACKEND} gives finite losses, changes weights and leaks nothing`, async () => {
        const dataset = datasetFor(mode);
        const {config, dataset: ds} = await tinyExperiment([
          `encoders.name=${enc}`,
          `contrastive.mode=${mode}`,
          `dataset.name=${dataset}`,
        ]);
        const model = await buildPretrain(config, ds);
        const before = [...model.params.variables.values()].map((v) => v.dataSync().slice());
        model.step(0); // warm-up: the first step creates nothing persistent, but compiles kernels
        const tensors = tf.memory().numTensors;
        const losses = model.step(1);
        assert.equal(tf.memory().numTensors, tensors, 'tensor count changed across a step');
        for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
        assert.equal(
          losses['contrastive'] === 0,
          mode === 'none',
          `contrastive term ${losses['contrastive']} for mode ${mode}`,
        );
        const moved = [...model.params.variables.values()].filter((v, i) =>
          v.dataSync().some((x, j) => x !== before[i]![j]),
        ).length;
        assert.equal(moved, model.params.variables.size, 'every encoder weight received an update');
        model.dispose();
      });
    }
  }

  it('gives encoder outputs of the documented shapes', async () => {
    const {config, dataset} = await tinyExperiment();
    const model = await buildPretrain(config, dataset);
    tf.tidy(() => {
      const img = model.encoders.encodeImage(tf.zeros([2, 16, 16, 3]) as tf.Tensor4D);
      assert.deepEqual(img.regions.shape, [2, 16, 8]); // (16/4)² regions × embedDim 8
      assert.deepEqual(img.global.shape, [2, 8]);
      const txt = model.encoders.encodeText(
        tf.tensor2d(
          [
            [5, 6, 0],
            [7, 0, 0],
          ],
          [2, 3],
          'int32',
        ),
        tf.tensor2d([
          [1, 1, 0],
          [1, 0, 0],
        ]),
      );
      assert.deepEqual(txt.words.shape, [2, 3, 8]);
      assert.deepEqual(txt.sentence.shape, [2, 8]);
      assert.deepEqual(
        Array.from(tf.sum(tf.abs(txt.words), 2).dataSync()).map((v) => v > 0),
        [true, true, false, true, false, false],
        'padding words are zero',
      );
    });
    model.dispose();
  });

  it('learns: the loss on a fixed batch falls when training on it', async () => {
    const {config, dataset} = await tinyExperiment(['encoders.dropout=0']);
    const model = await buildPretrain(config, dataset);
    const start = model.losses(0)['loss']!;
    for (let i = 0; i < 15; i++) model.step(0);
    const end = model.losses(0)['loss']!;
    assert.ok(end < 0.8 * start, `loss ${start} → ${end}`);
    model.dispose();
  });
});
