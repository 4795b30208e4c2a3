// Data-parallel GAN training: two threads give the one-thread losses and weights (up to float rounding), the
// threads' weights stay identical, and a failing thread stops the step with its message.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {before, describe, it} from 'node:test';
import {assertSameFirstGradients, assertSameLosses} from '../../../test/parallel-compare';
import {useWasm} from '../../../test/support';
import {tinyBackbone, tinyEncoders, tinyExperiment} from '../../../test/tiny';
import {backbones} from '../../registry';
import {writeCheckpoint} from '../../core/checkpoint';
import type {EncoderSource} from '../pretrained-encoders';
import {buildGan} from './gan-trainer';
import {startParallelGan} from './gan-shard';

describe('data-parallel GAN phase', () => {
  before(useWasm);

  /** A one-thread trainer and a two-thread group of the same config, on fresh (saved) tiny encoders. */
  const pair = async (sets: string[]) => {
    const {config, dataset} = await tinyExperiment(sets);
    const enc = await tinyEncoders(config, dataset);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-dp-')), 'enc.ckpt');
    const {sha256} = writeCheckpoint(
      file,
      {runId: 'r', configHash: 'h', phase: 'pretrain', step: 1, rng: {seed: 0, scheme: 'keyed-sfc32'}, extra: {}},
      enc.params.variables,
    );
    const source: EncoderSource = {
      kind: 'checkpoint',
      config: config.encoders,
      vocabSize: dataset.vocab.size,
      checkpoint: file,
      sha256,
    };
    const one = buildGan(config, dataset, enc.encoders);
    const rank0 = buildGan(config, dataset, enc.encoders, {rank: 0, size: 2});
    const two = await startParallelGan(rank0, config, dataset, source, 2);
    return {
      one,
      rank0,
      two,
      close: async () => {
        await two.close();
        one.dispose();
        rank0.dispose();
        enc.params.dispose();
      },
    };
  };

  for (const backbone of backbones.names()) {
    it(`${backbone}: 2 threads give 1 thread's losses and gradients for the same seed and batch, and stay in step`, async () => {
      // Adam's first steps move every weight by about ±lr whatever its gradient's size, so rounding-level gradient
      // differences in weights whose gradient is ~0 become lr-sized weight differences. Hence the gradients are
      // compared on the first step (Adam's first moment is 0.1 × the gradient), and later steps by their losses.
      const p = await pair([tinyBackbone(backbone), 'train.batchSize=4', 'train.lrD=1e-12']);
      // GALIP's G normalises the frozen (here random) encoder's region map, which is nearly constant, so batch norm
      // turns rounding-level differences of the batch mean into visible differences in a few small gradients (up to
      // ~8% here); permuting the batch rows on one thread does the same. A missing gather or a wrong scale is an
      // O(1) error.
      const tolerance = backbone === 'galip' ? 0.15 : 1e-3;
      try {
        p.one.step(0);
        p.two.step(0);
        assertSameFirstGradients(p.one, p.rank0, tolerance);
      } finally {
        await p.close();
      }
      const q = await pair([tinyBackbone(backbone), 'train.batchSize=4']);
      try {
        assertSameLosses(q.one, q.two, 3);
        assert.deepEqual(q.two.divergence(), {max: 0}, "the threads' weights differ");
      } finally {
        await q.close();
      }
    });
  }
});
