// evaluateGenerator under a paper protocol (shrunk so the test runs in seconds) and under scg's own, in process.
import {strict as assert} from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {after, before, describe, it} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {useBestBackend} from '../../test/support';
import {tinyEncoders, tinyExperiment} from '../../test/tiny';
import {Rng} from '../core/rng';
import {PAPER_PROTOCOLS, type PaperProtocol} from '../metrics/paper-protocols';
import {ParamSet} from '../nn/params';
import {backbones} from '../registry';
import {imagesTensor} from '../data/batch';
import type {GanModel} from '../registry/backbones/descriptor';
import {Store} from '../store/store';
import {evaluateGenerator} from './evaluate';

/** A fresh store holding one run, r1, for evaluations to attach their metrics to. */
function storeWithRun(): Store {
  const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'scg-evaluate-')), 'experiments.db'));
  store.createRun({
    id: 'r1',
    experiment: 'e',
    configHash: 'h',
    attempt: 1,
    configJson: '{}',
    seed: 0,
    runDir: '/nowhere',
    gitCommit: null,
    gitDirty: null,
    versions: {},
    backend: 'x',
    host: 'h',
    params: {},
  });
  return store;
}

describe('evaluateGenerator', () => {
  const preset = PAPER_PROTOCOLS['paper-cub'] as PaperProtocol;
  const saved = {...preset};
  before(async () => {
    await useBestBackend();
    // the preset's 30,000 images and FID Inception would take minutes: the same code path with 24 builtin samples
    Object.assign(preset, {samples: 24, evaluator: 'builtin'});
  });
  after(() => Object.assign(preset, saved));

  it("a paper protocol stores DM-GAN's R-precision (mean and fold std) under a protocol of its own; a flag that changes its samples falls back to scg's", async () => {
    const {config, dataset} = await tinyExperiment(['eval.builtinSteps=20']);
    const {encoders, params} = await tinyEncoders(config, dataset);
    const g = new ParamSet('g', Rng.for(config.seed, 'init', 'g'));
    const d = new ParamSet('d', Rng.for(config.seed, 'init', 'd'));
    const model = backbones.get(config.backbone.name).build(config.backbone, {
      resolution: dataset.resolution,
      embedDim: config.encoders.embedDim as number,
      g,
      d,
      encoders,
    });
    const store = storeWithRun();
    const logs: string[] = [];
    const base = {
      store,
      runId: 'r1',
      step: 1,
      dataset,
      model,
      ema: undefined,
      encoders,
      cacheDir: path.join(path.dirname(store.file), 'cache'),
      log: (l: string) => logs.push(l),
    };
    const paperConfig = {...config, eval: {...config.eval, protocol: 'paper-cub'}};
    const paper = await evaluateGenerator({...base, config: paperConfig});
    const labelKeys = ['colour_acc', 'label_acc', 'label_acc_real', 'shape_acc'];
    assert.deepEqual(
      Object.keys(paper.metrics).sort(),
      [...labelKeys, 'fid', 'is_mean', 'is_std', 'r_precision', 'r_precision_std'].sort(),
    );
    assert.ok(paper.metrics['r_precision']! >= 0 && paper.metrics['r_precision']! <= 1);
    assert.ok(paper.metrics['r_precision_std']! >= 0);
    assert.equal(paper.protocol.preset, 'paper-cub');
    assert.equal(paper.protocol.nGenerated, 24);
    assert.equal(paper.protocol.details['rPrecisionMismatched'], 99);
    assert.match(String(paper.protocol.details['follows']), /AttnGAN, DM-GAN/);
    const tensors = tf.memory().numTensors; // the builtin evaluator is built and cached by the first evaluation
    const own = await evaluateGenerator({...base, config: paperConfig, samples: 12});
    assert.equal(tf.memory().numTensors, tensors, 'no tensor outlives an evaluation');
    assert.equal(own.protocol.preset, undefined);
    assert.notEqual(own.protocolId, paper.protocolId);
    assert.deepEqual(Object.keys(own.metrics).sort(), [...labelKeys, 'fid', 'is_mean', 'is_std', 'r_precision'].sort());
    assert.ok(logs.some((l) => /12 samples with evaluator builtin are not eval.protocol paper-cub/.test(l)));
    assert.equal(
      (store.db.prepare("SELECT COUNT(*) AS n FROM metrics WHERE key = 'r_precision_std'").get() as {n: number}).n,
      1,
    );
    store.close();
    for (const p of [g, d, params]) p.dispose();
  });

  it("label_acc of a generator that draws the caption's real test image equals the evaluator's accuracy on the real images", async () => {
    const {config, dataset} = await tinyExperiment(['eval.builtinSteps=30']);
    const {encoders, params} = await tinyEncoders(config, dataset);
    const test = dataset.test;
    const zDim = 2;
    // fake i comes from a caption of test image i mod count: this "generator" returns that very image
    let next = 0;
    const model = {
      zDim,
      condDim: 2,
      generate: (inputs: {noise: tf.Tensor}) => {
        const n = inputs.noise.shape[0]!;
        const idx = Array.from({length: n}, (_, k) => (next + k) % test.count);
        next += n;
        return {images: [imagesTensor(test, idx, dataset.resolution)]};
      },
    } as unknown as GanModel;
    const store = storeWithRun();
    const r = await evaluateGenerator({
      store,
      runId: 'r1',
      step: 1,
      config,
      dataset,
      model,
      ema: undefined,
      encoders,
      samples: test.count,
      cacheDir: path.join(path.dirname(store.file), 'cache'),
      log: () => undefined,
    });
    const m = r.metrics;
    assert.equal(m['label_acc'], m['label_acc_real'], 'the same images give the same accuracy');
    // a real-image accuracy far above chance shows the comparison is not between two trivial numbers
    assert.ok(m['label_acc']! > 2 / dataset.classNames.length, `label_acc ${m['label_acc']}`);
    assert.ok(
      m['shape_acc']! >= m['label_acc']! && m['colour_acc']! >= m['label_acc']!,
      'a right class has both factors right',
    );
    assert.ok(m['fid']! < 1e-3, `FID of the test images against themselves: ${m['fid']}`);
    store.close();
    params.dispose();
  });
});
