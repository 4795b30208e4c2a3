import {strict as assert} from 'node:assert';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {seededValues, useBestBackend} from '../../../../test/support';
import {tinyBackbone, tinyEncoders, tinyExperiment} from '../../../../test/tiny';
import {buildGan} from '../../../runtime/phases/gan-trainer';
import {ParamSet} from '../../../nn/params';
import {Rng} from '../../../core/rng';
import {SsaGanGenerator} from './generator';

describe('ssagan', () => {
  before(useBestBackend);

  function setup(residualGate: 'learned' | 'none' = 'learned') {
    const params = new ParamSet('g', Rng.for(0, 'ssa'));
    const gen = new SsaGanGenerator(params, {
      width: 2,
      zDim: 4,
      embedDim: 6,
      resolution: 16,
      maskWidth: 3,
      residualGate,
    });
    // The affine MLPs' last layers start at zero (as in the original): give them values so the sentence matters.
    for (const [name, v] of params.variables)
      if (/(gamma|beta)2\/w$/.test(name)) v.assign(tf.tensor(seededValues(v.size, v.size), v.shape));
    return {params, gen};
  }
  const inputs = (sentSeed: number) => ({
    noise: tf.tensor2d(seededValues(2 * 4, 1), [2, 4]),
    caNoise: tf.zeros([2, 0]) as tf.Tensor2D,
    sentence: tf.tensor2d(seededValues(2 * 6, sentSeed), [2, 6]),
    words: tf.zeros([2, 1, 6]) as tf.Tensor3D,
    wordMask: tf.ones([2, 1]) as tf.Tensor2D,
  });

  it("MA-GP takes its own D step after the hinge step (the original's loop); joint puts both in one step", async () => {
    const steps: Record<string, {adamD: number; losses: Record<string, number>}> = {};
    for (const mode of ['separate', 'joint']) {
      const {config, dataset} = await tinyExperiment([tinyBackbone('ssagan'), `backbone.maGpStep=${mode}`]);
      const enc = await tinyEncoders(config, dataset);
      const trainer = buildGan(config, dataset, enc.encoders);
      assert.equal(typeof trainer.model.discriminatorPenalty, mode === 'separate' ? 'function' : 'undefined');
      const before = trainer.losses(0); // forward only: the same D weights in both modes
      trainer.step(0);
      steps[mode] = {adamD: Number(trainer.stateExtra()['adamDStep']), losses: before};
      trainer.dispose();
      enc.params.dispose();
    }
    assert.equal(steps['separate']!.adamD, 2, 'hinge step, then MA-GP step');
    assert.equal(steps['joint']!.adamD, 1);
    const [s, j] = [steps['separate']!.losses, steps['joint']!.losses];
    for (const k of ['d_real', 'd_fake', 'd_wrong', 'd_magp'])
      assert.ok(Math.abs(s[k]! - j[k]!) < 1e-5, `${k}: ${s[k]} vs ${j[k]}`);
    assert.ok(Math.abs(s['d_loss']! + s['d_magp']! - j['d_loss']!) < 1e-4, 'separate: d_loss is the hinge alone');
  });

  it('predicts one mask per block, in (0, 1), at each block resolution', () => {
    const {params, gen} = setup();
    tf.tidy(() => {
      const out = gen.apply(inputs(2), {training: true});
      assert.deepEqual(
        out.maps.map((m) => m.shape),
        [
          [2, 4, 4, 1],
          [2, 8, 8, 1],
          [2, 16, 16, 1],
        ],
      );
      for (const m of out.maps) assert.ok(tf.min(m).dataSync()[0]! > 0 && tf.max(m).dataSync()[0]! < 1);
      assert.deepEqual(out.images[0]!.shape, [2, 16, 16, 3]);
    });
    params.dispose();
  });

  it('the sentence acts only through the masks: with every mask forced to 0 the sentence changes nothing', () => {
    const {params, gen} = setup();
    const maskLast = [...params.variables.entries()].filter(([n]) => /mask\d*\/c2\/b$|block\d+\/mask\/c2\/b$/.test(n));
    assert.ok(maskLast.length >= 3, 'every mask predictor found');
    const diff = () =>
      tf.tidy(
        () =>
          tf
            .max(
              tf.abs(
                tf.sub(
                  gen.apply(inputs(2), {training: false}).images[0]!,
                  gen.apply(inputs(3), {training: false}).images[0]!,
                ),
              ),
            )
            .dataSync()[0]!,
      );
    // Give the residual branches weight so that modulation reaches the image.
    for (const [name, v] of params.variables) if (/block\d+\/gamma$/.test(name)) v.assign(tf.scalar(1));
    assert.ok(diff() > 1e-4, 'with masks on, a different sentence changes the image');
    for (const [, v] of maskLast) v.assign(tf.fill(v.shape, -1e4)); // sigmoid(−1e4) = 0: masks off everywhere
    assert.ok(diff() < 1e-6, 'with masks off, the sentence has no effect');
    params.dispose();
  });

  it('residualGate none: no gate variables, and the image of learned gates set to 1', () => {
    const gated = setup('learned');
    const plain = setup('none');
    const gates = [...gated.params.variables.keys()].filter((n) => /block\d+\/gamma$/.test(n));
    assert.equal(gates.length, 3, 'one gate per block when learned');
    assert.deepEqual(
      [...plain.params.variables.keys()],
      [...gated.params.variables.keys()].filter((n) => !gates.includes(n)),
      'the same variables less the gates, drawn from the same streams',
    );
    const gap = () =>
      tf.tidy(
        () =>
          tf
            .max(
              tf.abs(
                tf.sub(
                  gated.gen.apply(inputs(2), {training: false}).images[0]!,
                  plain.gen.apply(inputs(2), {training: false}).images[0]!,
                ),
              ),
            )
            .dataSync()[0]!,
      );
    assert.ok(gap() > 1e-3, 'gates at their initial 0 drop the residuals');
    for (const n of gates) gated.params.variables.get(n)!.assign(tf.scalar(1));
    assert.ok(gap() < 1e-5, `gates at 1 give the ungated image (gap ${gap()})`);
    gated.params.dispose();
    plain.params.dispose();
  });
});
