// Config types derived from the schema (config/types.ts, core/json-schema.ts): the types Resolved<…> computes
// (checked by the compiler) and, at run time, that the keys it calls present are exactly those ajv fills.
import {strict as assert} from 'node:assert';
import {describe, it} from 'node:test';
import Ajv from 'ajv';
import {defineProperties, type Properties, type Resolved} from '../core/json-schema';
import {experimentSchema} from './schema';
import {backbones, contrastiveModes, datasets, encoders, evaluators} from '../registry';
import {entryProperties} from '../registry/registry';
import {experimentProperties, pretrainProperties, runtimeProperties, trainProperties} from './sections';
import type {ExperimentConfig} from './types';

/** Compiles only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(check: Equal<A, B>) => check;

const sample = defineProperties({
  width: {type: 'integer', minimum: 1, default: 32},
  rate: {type: 'number'},
  mode: {type: 'string', enum: ['a', 'b'], default: 'a'},
  size: {type: 'integer', enum: [16, 32]},
  path: {type: 'string'},
  on: {type: 'boolean', default: true},
  views: {type: 'array', items: {enum: ['image', 'text']}, default: ['image']},
  inner: {type: 'object', properties: {k: {type: 'integer', default: 1}, q: {type: 'string'}}, required: ['q']},
});

/** Keys a schema's validation fills or requires, read off the JSON the validator actually uses. */
function presentKeys(properties: Properties, required: readonly string[] = []): string[] {
  return Object.entries(properties)
    .filter(([key, p]) => 'default' in p || required.includes(key))
    .map(([key]) => key)
    .sort();
}

/** What ajv leaves in an object with only the required keys set, after filling defaults. */
function filledKeys(properties: Properties, required: Record<string, unknown> = {}): string[] {
  const value: Record<string, unknown> = {...required};
  const validate = new Ajv({useDefaults: true, strict: false}).compile({type: 'object', properties});
  assert.ok(validate(value), JSON.stringify(validate.errors));
  return Object.keys(value).sort();
}

describe('Resolved: the config type a schema describes', () => {
  it('makes keys with a default or listed as required present, others optional, and reads each type', () => {
    type Got = Resolved<typeof sample, 'path'>;
    assert.equal(
      same<
        Got,
        {
          width: number;
          rate?: number;
          mode: 'a' | 'b';
          size?: number;
          path: string;
          on: boolean;
          views: ('image' | 'text')[];
          inner?: {k: number; q: string};
        }
      >(true),
      true,
    );
  });

  it('gives the resolved experiment its typed sections', () => {
    assert.equal(same<ExperimentConfig['train']['branchNoise'], 'shared' | 'independent'>(true), true);
    assert.equal(same<ExperimentConfig['runtime']['threads'], number | undefined>(true), true);
    assert.equal(same<ExperimentConfig['phases'], ('pretrain' | 'train' | 'eval')[]>(true), true);
    assert.equal(same<ExperimentConfig['contrastive']['temperature'], number>(true), true);
  });

  it('calls present exactly the keys ajv fills, in every fixed section', () => {
    for (const properties of [pretrainProperties, trainProperties, runtimeProperties]) {
      assert.deepEqual(filledKeys(properties), presentKeys(properties));
    }
    assert.deepEqual(filledKeys(experimentProperties, {name: 'x'}), presentKeys(experimentProperties, ['name']));
  });

  it('calls present exactly the keys ajv fills, in every registry entry', () => {
    let checked = 0;
    for (const registry of [backbones, contrastiveModes, datasets, encoders, evaluators]) {
      for (const entry of registry.list()) {
        const properties = entryProperties(entry) as Properties;
        const required = (entry.schema?.['required'] as string[] | undefined) ?? [];
        const given = Object.fromEntries(required.map((k) => [k, 'x']));
        assert.deepEqual(filledKeys(properties, given), presentKeys(properties, required), entry.name);
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} entries`);
  });

  it('describes the schema the validator uses: the sections are the same objects', () => {
    const props = experimentSchema()['properties'] as Record<string, {properties?: unknown}>;
    assert.equal(props['pretrain']?.properties, pretrainProperties);
    assert.equal(props['train']?.properties, trainProperties);
    assert.equal(props['runtime']?.properties, runtimeProperties);
    assert.equal(props['phases'], experimentProperties.phases);
  });
});
