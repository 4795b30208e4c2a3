// Registry-driven: every backbone gets the same checks, so a new backbone needs no new test code.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {TEST_BACKENDS, useBackend} from '../../../test/support';
import {datasetFor, tinyBackbone, tinyEncoders, tinyExperiment} from '../../../test/tiny';
import {readCheckpoint, writeCheckpoint} from '../../core/checkpoint';
import {buildGan} from '../../runtime/phases/gan-trainer';
import {backbones, contrastiveModes} from '..';

// Backend-specific: every backend present runs the same steps.
for (const backendName of TEST_BACKENDS)
  describe(`backbones (every registered one) on ${backendName}`, () => {
    before(() => useBackend(backendName));

    for (const backbone of backbones.names()) {
      it(`${backbone}: generator stages end at the dataset resolution, images in [-1, 1]`, async () => {
        const {config, dataset} = await tinyExperiment([tinyBackbone(backbone)]);
        const enc = await tinyEncoders(config, dataset);
        const trainer = buildGan(config, dataset, enc.encoders);
        const m = trainer.model;
        tf.tidy(() => {
          const n = 3;
          const out = m.generate(
            {
              noise: tf.randomNormal([n, m.zDim], 0, 1, 'float32', 1) as tf.Tensor2D,
              caNoise: tf.zeros([n, m.condDim]) as tf.Tensor2D,
              sentence: tf.randomNormal([n, enc.encoders.embedDim], 0, 1, 'float32', 2) as tf.Tensor2D,
              words: tf.randomNormal([n, 5, enc.encoders.embedDim], 0, 1, 'float32', 3) as tf.Tensor3D,
              wordMask: tf.ones([n, 5]) as tf.Tensor2D,
            },
            {training: false},
          );
          assert.deepEqual(
            out.images.map((i) => i.shape),
            m.stageResolutions.map((r) => [n, r, r, 3]),
          );
          assert.equal(m.stageResolutions[m.stageResolutions.length - 1], dataset.resolution);
          const last = out.images[out.images.length - 1]!;
          assert.ok(tf.max(last).dataSync()[0]! <= 1 && tf.min(last).dataSync()[0]! >= -1);
        });
        trainer.dispose();
        enc.params.dispose();
      });

      for (const mode of contrastiveModes.names()) {
        it(`${backbone} + ${mode}: one D+G step gives finite losses and leaks no tensors`, async () => {
          const dataset = datasetFor(mode);
          const {config, dataset: ds} = await tinyExperiment([
            tinyBackbone(backbone),
            `contrastive.mode=${mode}`,
            `dataset.name=${dataset}`,
          ]);
          const enc = await tinyEncoders(config, ds);
          const trainer = buildGan(config, ds, enc.encoders);
          trainer.step(0);
          const tensors = tf.memory().numTensors;
          const losses = trainer.step(1);
          assert.equal(tf.memory().numTensors, tensors, 'tensor count changed across a step');
          for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
          assert.ok('d_loss' in losses && 'g_loss' in losses && 'contrastive' in losses);
          assert.equal(losses['contrastive'] === 0, mode === 'none');
          trainer.dispose();
          enc.params.dispose();
        });
      }

      it(`${backbone}: checkpoint round trip restores G, D, optimizers and EMA, and the next step matches`, async () => {
        const {config, dataset} = await tinyExperiment([tinyBackbone(backbone)]);
        const enc = await tinyEncoders(config, dataset);
        const a = buildGan(config, dataset, enc.encoders);
        a.step(0);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-gan-')), 'g.ckpt');
        const {sha256} = writeCheckpoint(
          file,
          {
            runId: 'r',
            configHash: 'h',
            phase: 'train',
            step: 1,
            rng: {seed: 0, scheme: 'keyed-sfc32'},
            extra: a.stateExtra(),
          },
          a.stateTensors(),
        );
        const b = buildGan(config, dataset, enc.encoders);
        b.step(3);
        b.restore(readCheckpoint(file, sha256), file);
        for (const [name, t] of a.stateTensors())
          assert.deepEqual(b.stateTensors().get(name)!.dataSync(), t.dataSync(), name);
        assert.deepEqual(b.step(1), a.step(1));
        a.dispose();
        b.dispose();
        enc.params.dispose();
      });
    }
  });
