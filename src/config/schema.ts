// Builds the experiment JSON Schema from the registries: one source of defaults, enums that follow the entries.
import {type Descriptor, entryProperties, type JsonSchema, type Registry} from '../registry/registry';
import {PAPER_PROTOCOL_NAMES} from '../metrics/paper-protocols';
import {backbones, contrastiveModes, datasets, encoders, evaluators} from '../registry';
import {PHASES} from './types';

export const SCHEMA_ID = 'https://scg.dev/schema/experiment.schema.json';

/**
 * A registry-backed section: `name` picks the entry, and an if/then per entry adds that entry's keys (with
 * their defaults) and forbids any other key.
 */
function registrySection(registry: Registry<Descriptor>, defaultName: string, description: string): JsonSchema {
  return {
    type: 'object',
    description,
    default: {},
    properties: {
      name: {
        type: 'string',
        enum: registry.names(),
        default: defaultName,
        description: `One of: ${registry.names().join(', ')}`,
      },
    },
    required: ['name'],
    allOf: registry.list().map((entry) => ({
      if: {required: ['name'], properties: {name: {const: entry.name}}},
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
      then: {
        properties: {name: {}, ...((entry.schema?.['properties'] as JsonSchema | undefined) ?? {})},
        ...(entry.schema?.['required'] ? {required: entry.schema['required']} : {}),
        additionalProperties: false,
      },
    })),
  };
}

function section(description: string, properties: Record<string, JsonSchema>): JsonSchema {
  return {type: 'object', description, default: {}, properties, additionalProperties: false};
}

/**
 * A section where one shared key picks an entry (contrastive.mode, eval.evaluator) and every entry's own keys
 * sit flat beside the shared ones, with their defaults, whichever entry is chosen (so configs and run ids do
 * not depend on which entries declare a key). A key declared twice must be declared identically.
 */
function selectorSection(
  description: string,
  registry: Registry<Descriptor>,
  shared: Record<string, JsonSchema>,
): JsonSchema {
  const properties = {...shared};
  for (const entry of registry.list()) {
    for (const [key, property] of Object.entries(entryProperties(entry))) {
      const existing = properties[key];
      if (existing && JSON.stringify(existing) !== JSON.stringify(property))
        throw new Error(
          `${registry.kind} entry '${entry.name}' declares key '${key}' unlike the section or another entry`,
        );
      properties[key] = property;
    }
  }
  return section(description, properties);
}

const positiveNumber = (def: number, description: string) => ({
  type: 'number',
  exclusiveMinimum: 0,
  default: def,
  description,
});
const count = (min: number, def: number, description: string) => ({
  type: 'integer',
  minimum: min,
  default: def,
  description,
});

let cached: JsonSchema | undefined;

/** The full experiment schema (draft-07). The committed `schema/experiment.schema.json` is this, serialised. */
export function experimentSchema(): JsonSchema {
  cached ??= buildSchema();
  return cached;
}

function buildSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'scg experiment',
    description: 'One text-to-image GAN experiment: dataset, backbone, contrastive loss, training phases.',
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      $schema: {type: 'string', description: 'Optional pointer to this schema, for editors.'},
      extends: {
        type: 'string',
        description:
          'Another config file (relative to this one) that this one is laid over: mappings merge key by key, lists and values replace, a null removes the inherited key (e.g. eval: {protocol: null}), and a registry section naming another entry replaces the whole section. Chains are allowed; cycles are refused.',
      },
      name: {
        type: 'string',
        maxLength: 200,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description: 'Experiment name: runs of the same name group together in reports.',
      },
      seed: {type: 'integer', minimum: 0, default: 0, description: 'Seed of model init, batches and noise.'},
      dataset: registrySection(datasets, 'shapes', 'The data to train on.'),
      backbone: registrySection(backbones, 'attngan', 'The text-to-image GAN.'),
      encoders: registrySection(
        encoders,
        'damsm',
        'The text and image encoders: trained in the pretraining phase (damsm), or loaded frozen from a folder (tfjs).',
      ),
      contrastive: selectorSection(
        "The contrastive term added to both phases (the paper's contribution).",
        contrastiveModes,
        {
          mode: {
            type: 'string',
            enum: contrastiveModes.names(),
            default: 'supcon',
            description: `One of: ${contrastiveModes.names().join(', ')}`,
          },
          lambda1: {
            type: 'number',
            minimum: 0,
            default: 1,
            description: 'Weight of the contrastive term in pretraining (λ1).',
          },
          lambda2: {
            type: 'number',
            minimum: 0,
            default: 0.2,
            description: 'Weight of the contrastive term in GAN training (λ2).',
          },
          temperature: positiveNumber(0.1, 'SupCon temperature τ (> 0).'),
          baseTemperature: {
            type: 'number',
            exclusiveMinimum: 0,
            default: 0.07,
            description:
              "τ_base: the SupCon loss is scaled by τ/τ_base, SupContrast's convention (its τ_base is 0.07). At τ = 0.1 that is 1.43, so λ1 and λ2 weigh 1.43× the unscaled loss; set it equal to τ for scale 1. The supcon modes use it; ntxent is NT-Xent without the scale.",
          },
          pretrainViews: {
            type: 'array',
            items: {enum: ['image', 'text']},
            minItems: 1,
            uniqueItems: true,
            default: ['image', 'text'],
            description: 'Pretraining views: image = the real image code; text = the sentence codes of both captions.',
          },
          trainViews: {
            type: 'array',
            items: {enum: ['image', 'text']},
            minItems: 1,
            uniqueItems: true,
            default: ['image'],
            description: "GAN-phase views: image = codes of the two branches' fakes; text = the two sentence codes.",
          },
        },
      ),
      pretrain: section('Phase 1: encoder pretraining with DAMSM + λ1 × contrastive.', {
        steps: count(1, 300, 'Optimizer steps.'),
        batchSize: count(2, 32, 'Images per batch (each with two captions).'),
        lr: positiveNumber(0.002, 'Adam learning rate (AttnGAN DAMSM: 0.002).'),
        beta1: {type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5, description: 'Adam β1 (AttnGAN: 0.5).'},
        beta2: {type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Adam β2.'},
        clipNorm: positiveNumber(0.25, 'Global gradient-norm clip of the text encoder (AttnGAN: 0.25).'),
        gamma1: positiveNumber(4, 'DAMSM word-attention sharpness γ1.'),
        gamma2: positiveNumber(5, 'DAMSM word aggregation γ2.'),
        gamma3: positiveNumber(10, 'DAMSM score scale γ3.'),
        checkpointEvery: count(1, 100, 'Steps between checkpoints (one is always written at the end).'),
        logEvery: count(1, 10, 'Steps between progress lines when stderr is not a terminal.'),
      }),
      train: section('Phase 2: GAN training with λ2 × contrastive, on two caption branches.', {
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
        beta1: {type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5, description: 'Adam β1.'},
        beta2: {type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.999, description: 'Adam β2.'},
        checkpointEvery: count(1, 250, 'Steps between checkpoints (one is always written at the end).'),
        logEvery: count(1, 10, 'Steps between progress lines when stderr is not a terminal.'),
      }),
      eval: selectorSection(
        "Evaluation protocol: FID and IS against the test split, R-precision with the run's encoders. With phase eval, the GAN phase also evaluates every `every` steps.",
        evaluators,
        {
          every: count(1, 500, 'GAN steps between sample grids (and evaluations, with phase eval).'),
          samples: count(2, 500, 'Generated images per evaluation (captions cycle through the test split).'),
          evaluator: {
            type: 'string',
            enum: evaluators.names(),
            default: 'builtin',
            description: `Feature network for FID / IS. One of: ${evaluators.names().join(', ')}`,
          },
          protocol: {
            type: 'string',
            enum: PAPER_PROTOCOL_NAMES,
            description:
              "A paper's evaluation protocol: sets 30,000 samples, the fid-inception evaluator (eval.fidInceptionPath), IS over 10 splits and R-precision against 99 mismatched test captions in 10 folds (DM-GAN's), and checks the dataset (paper-cub: cub with split classes; paper-coco: coco with all val2014 images) and the resolution (256 px; GALIP 224). Unset: scg's own protocol (eval.samples, eval.evaluator). docs/evaluation.md says which papers each follows.",
          },
        },
      ),
      runtime: section('How to compute (not part of the run identity).', {
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
          description:
            'torch only: auto (the first CUDA device when libtorch sees one, else cpu) | cpu | cuda | cuda:N.',
        },
        threads: {
          type: 'integer',
          minimum: 1,
          description:
            "torch: libtorch's intra-op threads (default: cores; one process, no worker threads). wasm/cpu: threads for data-parallel GAN training (default: cores), each on an equal share of the batch; reduced to a divisor of train.batchSize with 2+ rows each. Native tensorflow uses 1.",
        },
        pretrainThreads: {
          type: 'integer',
          minimum: 1,
          description:
            'wasm/cpu: threads for data-parallel pretraining (default: as for the GAN phase), reduced to a divisor of pretrain.batchSize like runtime.threads. torch and native tensorflow use 1 (their kernels are threaded).',
        },
      }),
      phases: {
        type: 'array',
        items: {enum: [...PHASES]},
        minItems: 1,
        uniqueItems: true,
        default: ['pretrain'],
        description: `Phases to run, in order. Available: ${PHASES.join(', ')}.`,
      },
    },
  };
}
