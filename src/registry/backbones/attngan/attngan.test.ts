import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useBestBackend} from '../../../../test/support';
import {tinyEncoders, tinyExperiment, tinyGanLosses} from '../../../../test/tiny';
import {ParamSet} from '../../../nn/params';
import {Rng} from '../../../core/rng';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {WordAttention} from './attention';
import {AttnGanGenerator} from './generator';

describe('attngan', () => {
  before(useBestBackend);

  for (const [stages, resolution] of [
    [1, 16],
    [2, 16],
    [3, 32],
  ] as const) {
    it(`${stages} stage(s) at ${resolution} px: one image per stage, doubling up to the dataset resolution`, () => {
      const params = new ParamSet('g', Rng.for(0, 't'));
      const gen = new AttnGanGenerator(params, {
        stages,
        width: 4,
        zDim: 6,
        condDim: 4,
        resBlocks: 1,
        embedDim: 8,
        resolution,
      });
      tf.tidy(() => {
        const out = gen.apply(
          {
            noise: tf.zeros([2, 6]) as tf.Tensor2D,
            caNoise: tf.zeros([2, 4]) as tf.Tensor2D,
            sentence: tf.ones([2, 8]) as tf.Tensor2D,
            words: tf.ones([2, 3, 8]) as tf.Tensor3D,
            wordMask: tf.ones([2, 3]) as tf.Tensor2D,
          },
          {training: true},
        );
        const sizes = Array.from({length: stages}, (_, s) => (resolution / 2 ** (stages - 1)) * 2 ** s);
        assert.deepEqual(
          out.images.map((i) => i.shape),
          sizes.map((r) => [2, r, r, 3]),
        );
        assert.equal(out.maps.length, stages - 1, 'one attention map per refinement stage');
      });
      params.dispose();
    });
  }

  it('attention over words sums to 1 at every location and is 0 on padding', () => {
    const params = new ParamSet('a', Rng.for(0, 'att'));
    const att = new WordAttention(params, 'att', 8, 4);
    const a = tf.tidy(() =>
      att
        .apply(
          tf.tensor4d(seededValues(2 * 3 * 3 * 4, 1), [2, 3, 3, 4]),
          tf.tensor3d(seededValues(2 * 5 * 8, 2), [2, 5, 8]),
          tf.tensor2d([
            [1, 1, 1, 0, 0],
            [1, 1, 1, 1, 1],
          ]),
        )
        .attention.arraySync(),
    );
    for (const [b, real] of [
      [0, 3],
      [1, 5],
    ] as const) {
      for (const loc of a[b]!) {
        assert.ok(Math.abs(loc.reduce((s, v) => s + v, 0) - 1) < 1e-5);
        loc.slice(real).forEach((v) => assert.equal(v, 0));
      }
    }
    params.dispose();
  });

  it('λ2 = 0 gives the same G loss as mode none', async () => {
    const zero = await tinyGanLosses(['contrastive.lambda2=0']);
    const none = await tinyGanLosses(['contrastive.mode=none']);
    assert.ok(zero['contrastive']! > 0, 'the term is computed');
    assert.equal(zero['g_loss'], none['g_loss']);
    const on = await tinyGanLosses(['contrastive.lambda2=0.5']);
    assert.ok(
      Math.abs(on['g_loss']! - (none['g_loss']! + 0.5 * on['contrastive']!)) < 1e-3 * Math.abs(none['g_loss']!),
    );
  });

  it('the two branches share one set of weights: a 2B batch equals each branch run alone', async () => {
    const {config, dataset} = await tinyExperiment();
    const enc = await tinyEncoders(config, dataset);
    const trainer = buildGan(config, dataset, enc.encoders);
    const m = trainer.model;
    assert.ok([...m.g.variables.keys()].every((k) => !/branch/.test(k)));
    tf.tidy(() => {
      const n = 4;
      const inputs = {
        noise: tf.tensor2d(seededValues(n * m.zDim, 4), [n, m.zDim]),
        caNoise: tf.zeros([n, m.condDim]) as tf.Tensor2D,
        sentence: tf.tensor2d(seededValues(n * 8, 5), [n, 8]),
        words: tf.tensor3d(seededValues(n * 3 * 8, 6), [n, 3, 8]),
        wordMask: tf.ones([n, 3]) as tf.Tensor2D,
      };
      const half = (k: number) =>
        Object.fromEntries(
          Object.entries(inputs).map(([name, t]) => [name, tf.slice(t, k * 2, 2)]),
        ) as unknown as typeof inputs;
      const both = m.generate(inputs, {training: false}).images[1]!;
      const parts = tf.concat([
        m.generate(half(0), {training: false}).images[1]!,
        m.generate(half(1), {training: false}).images[1]!,
      ]);
      assert.ok(tf.max(tf.abs(tf.sub(both, parts))).dataSync()[0]! < 1e-5);
    });
    trainer.dispose();
    enc.params.dispose();
  });
});
