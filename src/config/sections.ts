// The schemas of the config's fixed sections (the top-level keys, pretrain, train, runtime): config/types.ts derives their types from
// these, and config/schema.ts places them in the experiment schema.
import {defineProperties} from '../core/json-schema';

const positiveNumber = <const D extends number>(def: D, description: string) =>
  ({type: 'number', exclusiveMinimum: 0, default: def, description}) as const;
const count = <const D extends number>(min: number, def: D, description: string) =>
  ({type: 'integer', minimum: min, default: def, description}) as const;
const beta = <const D extends number>(def: D, description: string) =>
  ({type: 'number', minimum: 0, exclusiveMaximum: 1, default: def, description}) as const;

export const PHASES = ['pretrain', 'train', 'eval'] as const;

/** The top-level keys that are not sections (`name` is required). */
export const experimentProperties = defineProperties({
  name: {
    type: 'string',
    maxLength: 200,
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
    description: 'Experiment name: runs of the same name group together in reports.',
  },
  seed: {type: 'integer', minimum: 0, default: 0, description: 'Seed of model init, batches and noise.'},
  phases: {
    type: 'array',
    items: {enum: PHASES},
    minItems: 1,
    uniqueItems: true,
    default: ['pretrain'],
    description: `Phases to run, in order. Available: ${PHASES.join(', ')}.`,
  },
});

export const pretrainProperties = defineProperties({
  steps: count(1, 300, 'Optimizer steps.'),
  batchSize: count(2, 32, 'Images per batch (each with two captions).'),
  lr: positiveNumber(0.002, 'Adam learning rate (AttnGAN DAMSM: 0.002).'),
  beta1: beta(0.5, 'Adam β1 (AttnGAN: 0.5).'),
  beta2: beta(0.999, 'Adam β2.'),
  clipNorm: positiveNumber(0.25, 'Global gradient-norm clip of the text encoder (AttnGAN: 0.25).'),
  gamma1: positiveNumber(4, 'DAMSM word-attention sharpness γ1.'),
  gamma2: positiveNumber(5, 'DAMSM word aggregation γ2.'),
  gamma3: positiveNumber(10, 'DAMSM score scale γ3.'),
  checkpointEvery: count(1, 100, 'Steps between checkpoints (one is always written at the end).'),
  logEvery: count(1, 10, 'Steps between progress lines when stderr is not a terminal.'),
});

export const trainProperties = defineProperties({
  steps: count(1, 2000, 'Generator steps (each with one D step before it).'),
  encodersFrom: {
    type: 'string',
    minLength: 1,
    description:
      "Id (or unique prefix) of a run whose completed pretraining provides the frozen encoders; unset = this run's own pretrain phase.",
  },
  sampleGrid: count(1, 16, 'Test captions drawn in each sample grid (every eval.every steps and at the end).'),
  branchNoise: {
    type: 'string',
    enum: ['shared', 'independent'],
    default: 'shared',
    description:
      "z of the two caption branches. shared: one draw for both, as T2I_CL's training calls G twice with the same noise, so a positive pair differs in its caption (and its conditioning-augmentation noise, drawn per branch in both); independent: one draw per branch.",
  },
  batchSize: count(2, 16, 'Images per batch (each with two captions: two branches).'),
  lrG: positiveNumber(0.0002, 'Generator Adam learning rate.'),
  lrD: positiveNumber(0.0002, 'Discriminator Adam learning rate.'),
  beta1: beta(0.5, 'Adam β1.'),
  beta2: beta(0.999, 'Adam β2.'),
  checkpointEvery: count(1, 250, 'Steps between checkpoints (one is always written at the end).'),
  logEvery: count(1, 10, 'Steps between progress lines when stderr is not a terminal.'),
});

export const runtimeProperties = defineProperties({
  backend: {
    type: 'string',
    enum: ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'],
    default: 'auto',
    description:
      "auto = torch (scg's libtorch addon, when built), else native tensorflow, else wasm, else cpu (with a warning); the log says which.",
  },
  device: {
    type: 'string',
    pattern: '^(auto|cpu|cuda(:[0-9]+)?)$',
    default: 'auto',
    description: 'torch only: auto (the first CUDA device when libtorch sees one, else cpu) | cpu | cuda | cuda:N.',
  },
  threads: {
    type: 'integer',
    minimum: 1,
    description:
      "torch: libtorch's intra-op threads, and OpenBLAS's (default: cores; one process, no worker threads). wasm/cpu: threads for data-parallel GAN training (default: cores), each on an equal share of the batch; reduced to a divisor of train.batchSize with 2+ rows each. Native tensorflow uses 1.",
  },
  pretrainThreads: {
    type: 'integer',
    minimum: 1,
    description:
      'wasm/cpu: threads for data-parallel pretraining (default: as for the GAN phase), reduced to a divisor of pretrain.batchSize like runtime.threads. torch and native tensorflow use 1 (their kernels are threaded).',
  },
});
