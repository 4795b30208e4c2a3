// Builds the experiment JSON Schema from the registries: one source of defaults, enums that follow the entries.
import {type Descriptor, entryProperties, type JsonSchema, type Registry} from '../registry/registry';
import {backbones, contrastiveModes, datasets, encoders, evaluators} from '../registry';
import {contrastiveSectionProperties} from '../registry/contrastive/section';
import {evalSectionProperties} from '../registry/evaluators/section';
import {experimentProperties, pretrainProperties, runtimeProperties, trainProperties} from './sections';

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

function section(description: string, properties: Readonly<Record<string, JsonSchema>>): JsonSchema {
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

/** The key that picks an entry in a selector section: the registry's names, listed in its description. */
function selector(registry: Registry<Descriptor>, def: string, lead: string): JsonSchema {
  return {type: 'string', enum: registry.names(), default: def, description: `${lead}: ${registry.names().join(', ')}`};
}

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
      name: experimentProperties.name,
      seed: experimentProperties.seed,
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
          ...contrastiveSectionProperties,
          mode: selector(contrastiveModes, contrastiveSectionProperties.mode.default, 'One of'),
        },
      ),
      pretrain: section('Phase 1: encoder pretraining with DAMSM + λ1 × contrastive.', pretrainProperties),
      train: section('Phase 2: GAN training with λ2 × contrastive, on two caption branches.', trainProperties),
      eval: selectorSection(
        "Evaluation protocol: FID and IS against the test split, R-precision with the run's encoders. With phase eval, the GAN phase also evaluates every `every` steps.",
        evaluators,
        {
          ...evalSectionProperties,
          evaluator: selector(
            evaluators,
            evalSectionProperties.evaluator.default,
            'Feature network for FID / IS. One of',
          ),
        },
      ),
      runtime: section('How to compute (not part of the run identity).', runtimeProperties),
      phases: experimentProperties.phases,
    },
  };
}
