// Sweep files: parse and validate one (schema, config paths with did-you-mean, positions), then expand it into cells.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import Ajv, {type ErrorObject} from 'ajv';
import {type LoadedConfig, resolveWithOverrides} from '../config/load';
import {applyOverrides, asGroupOverride, configPathProblem, type Override} from '../config/overrides';
import {readConfigSource} from '../config/extends';
import {experimentSchema} from '../config/schema';
import {didYouMean} from '../core/suggest';
import {readYaml, type YamlPath, type YamlSource} from '../config/yaml-source';
import {ScgError} from '../errors';
import type {JsonSchema} from '../registry/registry';
import {canonicalJson, configHash} from '../core/identity';

/** A map from dotted config path to a value, as written in a sweep file. */
export type Assignment = Record<string, unknown>;

export interface SweepSpec {
  name: string;
  description?: string;
  /** The experiment config every cell starts from, relative to the sweep file. */
  base: string;
  grid?: Record<string, unknown[]>;
  zip?: Record<string, unknown[]>;
  cells?: Assignment[];
  exclude?: Assignment[];
  seeds?: number[];
  baseline?: Assignment;
  set?: Assignment;
  /** Cells with the same pretraining config train it once; the others take its encoders. */
  sharePretraining?: boolean;
}

export interface SweepCell {
  /** Position in the expansion: seeds outermost, so the first pass over all cells uses the first seed. */
  index: number;
  /** The values this cell sets on the axes (grid, zip, cells keys) plus `seed`. */
  assignment: Assignment;
  /** Canonical JSON of `assignment`: the cell's identity within the sweep. */
  key: string;
  loaded: LoadedConfig;
  configHash: string;
}

export interface Sweep {
  file: string;
  spec: SweepSpec;
  /** The axes in the order they appear (grid, zip, cells keys), without `seed`. */
  axes: string[];
  cells: SweepCell[];
  /** Expanded cells dropped by `exclude` rules, and duplicates dropped because an earlier cell had the same values. */
  excluded: number;
  duplicates: number;
  /** sha256 over every cell's key and config hash: changes when the sweep file or its base config changes what runs. */
  specHash: string;
}

const assignmentSchema = {type: 'object', minProperties: 1};
const SWEEP_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://scg.dev/schema/sweep.schema.json',
  title: 'scg sweep',
  description:
    'A sweep over experiment configs: scg ablate runs its cells, scg report compares them. Keys of grid, zip, cells, exclude, baseline and set are dotted config paths (docs/config.md).',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'base'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: 'Names the sweep in the store and in `scg report <name>`',
    },
    description: {type: 'string'},
    base: {
      type: 'string',
      description: 'The experiment config (YAML) every cell starts from; relative to the sweep file',
    },
    grid: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {type: 'array', minItems: 1},
      description: 'Axes combined as a Cartesian product',
    },
    zip: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {type: 'array', minItems: 1},
      description: 'Axes that advance together (equal lengths)',
    },
    cells: {
      type: 'array',
      minItems: 1,
      items: assignmentSchema,
      description: 'Hand-picked cells, each a map of config path to value',
    },
    exclude: {
      type: 'array',
      items: assignmentSchema,
      description: 'A cell whose config matches every key of a rule is dropped',
    },
    seeds: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {type: 'integer', minimum: 0},
      description: 'Every cell runs once per seed',
    },
    baseline: {
      ...assignmentSchema,
      description: 'The cells deltas are measured against (matching on every other axis)',
    },
    set: {...assignmentSchema, description: 'Applied to every cell before its own values'},
    sharePretraining: {
      type: 'boolean',
      default: false,
      description:
        'Cells whose pretraining is the same (seed and the dataset, encoders, contrastive and pretrain sections) train it once; the others copy its encoders and pretraining metrics (docs/sweeps.md)',
    },
  },
};

/** The sweep file schema (draft-07), for editors and docs. */
export function sweepSchema(): JsonSchema {
  return SWEEP_SCHEMA;
}

let validateSweep: ReturnType<Ajv['compile']> | undefined;

interface Problem {
  path: YamlPath;
  message: string;
  hint?: string | undefined;
}

function sweepError(source: YamlSource, problems: Problem[]): ScgError {
  const lines = problems.map((p) => {
    const pos = source.locate(p.path);
    const where = pos ? `${source.file}:${pos.line}:${pos.col}` : source.file;
    return `${where}: ${p.path.join('.') || '(top level)'}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
  });
  return new ScgError(
    'BAD_INPUT',
    (problems.length > 1 ? `${source.file}: ${problems.length} problems\n` : '') + lines.join('\n'),
  );
}

function schemaProblem(e: ErrorObject): Problem {
  const p: YamlPath = e.instancePath.split('/').slice(1);
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as {additionalProperty: string}).additionalProperty;
    const allowed = Object.keys(SWEEP_SCHEMA['properties'] as object);
    return {
      path: [...p, key],
      message: `unknown key \`${key}\`; a sweep file has: ${allowed.join(', ')}`,
      hint: `${didYouMean(key, allowed)}see docs/sweeps.md`,
    };
  }
  if (e.keyword === 'required') {
    const key = (e.params as {missingProperty: string}).missingProperty;
    return {
      path: p,
      message: `missing required key \`${key}\``,
      hint:
        key === 'base'
          ? 'base: names the experiment config every cell starts from, e.g. base: ../quickstart.yaml'
          : undefined,
    };
  }
  return {path: p, message: e.message ?? 'is invalid'};
}

/** The keys of every assignment map in the spec, with the YAML path where each is written. */
function assignmentKeys(spec: SweepSpec): {key: string; at: YamlPath}[] {
  const out: {key: string; at: YamlPath}[] = [];
  for (const section of ['grid', 'zip', 'baseline', 'set'] as const)
    for (const key of Object.keys(spec[section] ?? {})) out.push({key, at: [section, key]});
  for (const section of ['cells', 'exclude'] as const) {
    (spec[section] ?? []).forEach((a, i) => {
      for (const key of Object.keys(a)) out.push({key, at: [section, i, key]});
    });
  }
  return out;
}

function cartesian(axes: [string, unknown[]][]): Assignment[] {
  let rows: Assignment[] = [{}];
  for (const [key, values] of axes) rows = rows.flatMap((row) => values.map((v) => ({...row, [key]: v})));
  return rows;
}

function getPath(root: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (node, seg) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined),
      root,
    );
}

/** True when the config has every value of `rule` (compared as canonical JSON). */
export function configMatches(config: unknown, rule: Assignment): boolean {
  return Object.entries(rule).every(([key, value]) => canonicalJson(getPath(config, key)) === canonicalJson(value));
}

/** Reads, validates and expands a sweep file; every problem is a BAD_INPUT error with file:line and a hint. */
export function loadSweep(file: string): Sweep {
  const source = readYaml(file);
  validateSweep ??= new Ajv({allErrors: true, strict: false}).compile(SWEEP_SCHEMA);
  if (!validateSweep(source.value)) throw sweepError(source, (validateSweep.errors ?? []).map(schemaProblem));
  const spec = source.value as SweepSpec;
  const schema = experimentSchema();
  const problems: Problem[] = [];
  for (const {key, at} of assignmentKeys(spec)) {
    if (key === 'seed' && at[0] !== 'exclude' && at[0] !== 'baseline') {
      problems.push({
        path: at,
        message: 'the seed is an axis of its own',
        hint: 'list seeds under `seeds:` (for example seeds: [0, 1, 2])',
      });
      continue;
    }
    const problem = key === 'seed' ? undefined : configPathProblem(key.split('.'), schema);
    if (problem) problems.push({path: at, message: problem.message, hint: problem.hint});
  }
  const zipLengths = Object.entries(spec.zip ?? {}).map(([k, v]) => [k, v.length] as const);
  if (new Set(zipLengths.map(([, n]) => n)).size > 1) {
    problems.push({
      path: ['zip'],
      message: `zip axes advance together, so they need equal lengths, but found ${zipLengths.map(([k, n]) => `${k}: ${n}`).join(', ')}`,
    });
  }
  const gridKeys = Object.keys(spec.grid ?? {});
  for (const key of Object.keys(spec.zip ?? {})) {
    if (gridKeys.includes(key))
      problems.push({
        path: ['zip', key],
        message: `\`${key}\` is both a grid and a zip axis`,
        hint: 'keep it in one of them',
      });
  }
  if (!spec.grid && !spec.zip && !spec.cells && !spec.seeds) {
    problems.push({
      path: [],
      message: 'the sweep has no axes: add grid, zip, cells or seeds',
      hint: 'for example grid: {contrastive.mode: [none, supcon]}',
    });
  }
  if (problems.length > 0) throw sweepError(source, problems);

  const basePath = path.resolve(path.dirname(file), spec.base);
  let baseSource: YamlSource;
  try {
    baseSource = readConfigSource(basePath, experimentSchema());
  } catch (err) {
    const pos = source.locate(['base']);
    throw new ScgError('BAD_INPUT', `${file}:${pos?.line ?? 1}: base: ${(err as Error).message}`, {
      hint: 'base is relative to the sweep file',
    });
  }

  const zipKeys = Object.keys(spec.zip ?? {});
  const zipRows: Assignment[] = zipKeys.length
    ? spec.zip![zipKeys[0]!]!.map((_, i) => Object.fromEntries(zipKeys.map((k) => [k, spec.zip![k]![i]])))
    : [{}];
  const generated =
    spec.grid || spec.zip
      ? cartesian(Object.entries(spec.grid ?? {})).flatMap((g) => zipRows.map((z) => ({...g, ...z})))
      : [];
  const rows = [...generated, ...(spec.cells ?? [])];
  if (rows.length === 0) rows.push({});
  const axes = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const seeds = spec.seeds ?? [undefined];
  const overrideOf = (key: string, value: unknown, at: YamlPath): Override => {
    const pos = source.locate(at);
    return asGroupOverride(
      {
        text: `${key}=${JSON.stringify(value)}`,
        path: key.split('.'),
        value,
        where: `${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${at.join('.')}`,
      },
      experimentSchema(),
    );
  };
  const cells: SweepCell[] = [];
  const seen = new Set<string>();
  let excluded = 0;
  let duplicates = 0;
  for (const seed of seeds) {
    rows.forEach((row, r) => {
      const at = (key: string): YamlPath =>
        r >= generated.length
          ? ['cells', r - generated.length, key]
          : key in (spec.grid ?? {})
            ? ['grid', key]
            : ['zip', key];
      const overrides = [
        ...Object.entries(spec.set ?? {}).map(([k, v]) => overrideOf(k, v, ['set', k])),
        ...Object.entries(row).map(([k, v]) => overrideOf(k, v, at(k))),
        ...(seed === undefined ? [] : [overrideOf('seed', seed, ['seeds'])]),
      ];
      // Exclude rules are checked on the merged YAML first, so a combination that would not even validate
      // (supcon on a multi-label dataset) can be excluded; then on the resolved config, for keys left to defaults.
      const merged = applyOverrides(structuredClone(baseSource.value) as Record<string, unknown>, overrides);
      if ((spec.exclude ?? []).some((rule) => configMatches(merged, rule))) {
        excluded++;
        return;
      }
      const loaded = resolveWithOverrides(baseSource, overrides);
      if ((spec.exclude ?? []).some((rule) => configMatches(loaded.config, rule))) {
        excluded++;
        return;
      }
      const assignment: Assignment = {...row, seed: loaded.config.seed};
      const key = canonicalJson(assignment);
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
      cells.push({index: cells.length, assignment, key, loaded, configHash: configHash(loaded.config)});
    });
  }
  if (cells.length === 0) {
    throw sweepError(source, [
      {path: ['exclude'], message: `every one of the ${excluded} cells is excluded`, hint: 'loosen the exclude rules'},
    ]);
  }
  const specHash = crypto
    .createHash('sha256')
    .update(cells.map((c) => `${c.key}|${c.configHash}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return {file, spec, axes, cells, excluded, duplicates, specHash};
}
