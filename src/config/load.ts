// Loads an experiment config: YAML (with positions) → --set overrides → schema validation with defaults →
// semantic checks. Every problem is reported with file:line, YAML path, what was expected and found, and a hint.
import {isDeepStrictEqual} from 'node:util';
import Ajv, {type ErrorObject, type ValidateFunction} from 'ajv';
import {ScgError} from '../errors';
import {PAPER_PROTOCOLS} from '../metrics/paper-protocols';
import {backbones, contrastiveModes, datasets, encoders, evaluators} from '../registry';
import type {EvaluatorDescriptor} from '../registry/evaluators/descriptor';
import {type Descriptor, entryProperties, type JsonSchema, type Registry} from '../registry/registry';
import {experimentSchema} from './schema';
import {didYouMean} from '../core/suggest';
import {type ExperimentConfig, PHASES} from './types';
import {readConfigSource, registrySections} from './extends';
import {parseYaml, type YamlPath, type YamlSource} from './yaml-source';
import {applyOverrides, childProperties, type Override, parseOverride} from './overrides';

export interface LoadedConfig {
  file: string;
  config: ExperimentConfig;
  overrides: Override[];
}

interface Problem {
  path: YamlPath;
  message: string;
  hint?: string | undefined;
}

let compiled: ValidateFunction<ExperimentConfig> | undefined;
/** The experiment validator: a passing config has its defaults filled, so it is an `ExperimentConfig`. */
function validator(): ValidateFunction<ExperimentConfig> {
  compiled ??= new Ajv({allErrors: true, useDefaults: true, strict: false}).compile<ExperimentConfig>(
    experimentSchema(),
  );
  return compiled;
}

/** Reads, overrides, validates and fills defaults; throws one BAD_INPUT error listing every problem found. */
export function loadConfig(file: string, sets: readonly string[] = []): LoadedConfig {
  return resolveSource(readConfigSource(file, experimentSchema()), sets);
}

/** The same as `loadConfig` for YAML text already in memory (`file` only names it in messages). */
export function loadConfigText(text: string, file: string, sets: readonly string[] = []): LoadedConfig {
  return resolveSource(parseYaml(text, file), sets);
}

function resolveSource(source: YamlSource, sets: readonly string[]): LoadedConfig {
  return resolveWithOverrides(
    source,
    sets.map((s) => parseOverride(s, experimentSchema())),
  );
}

/**
 * Resolves a parsed config with overrides already made (a sweep's cells: their paths are checked by the sweep
 * loader, and `Override.where` says which sweep line each came from).
 */
export function resolveWithOverrides(source: YamlSource, overrides: Override[]): LoadedConfig {
  const raw = fillEntryNames(applyOverrides(structuredClone(source.value) as Record<string, unknown>, overrides));
  const validate = validator();
  let problems: Problem[] = numberProblems(raw, [], experimentSchema());
  if (problems.length > 0) {
    // a non-finite or imprecise number is reported alone: the schema would only add noise about it
  } else if (!validate(raw)) problems = schemaProblems(validate.errors ?? [], raw);
  else {
    problems = semanticProblems(raw);
    if (problems.length === 0) return {file: source.file, config: raw, overrides};
  }
  throw configError(source, overrides, problems);
}

/**
 * Numbers JSON schema cannot reject: infinities and NaN (`.inf`, `1e400`, `.nan`) anywhere, and integer keys
 * beyond 2^53, which YAML rounds silently (two seeds would share one run id).
 */
function numberProblems(node: unknown, at: YamlPath, schema: JsonSchema | undefined): Problem[] {
  if (typeof node === 'number') {
    if (!Number.isFinite(node))
      return [
        {
          path: at,
          message: `must be a finite number, but found ${String(node)}`,
          hint: 'numbers such as .inf, 1e400 or .nan cannot train',
        },
      ];
    if (schema?.['type'] === 'integer' && !Number.isSafeInteger(node)) {
      return [
        {
          path: at,
          message: `is beyond 2^53, so it cannot be held exactly (it reads as ${node})`,
          hint: `use an integer of magnitude at most ${Number.MAX_SAFE_INTEGER}`,
        },
      ];
    }
    return [];
  }
  const items = schema?.['items'] as JsonSchema | undefined;
  if (Array.isArray(node)) return node.flatMap((v, i) => numberProblems(v, [...at, i], items));
  if (node && typeof node === 'object') {
    const props = schema ? childProperties(schema) : {};
    return Object.entries(node).flatMap(([k, v]) => numberProblems(v, [...at, k], props[k]));
  }
  return [];
}

/**
 * Ajv fills `name` defaults only after it has chosen the if/then branch of a registry section, so a section
 * without `name` would skip its entry's checks; the schema's default names are set first.
 */
function fillEntryNames(raw: Record<string, unknown>): Record<string, unknown> {
  const props = experimentSchema()['properties'] as Record<string, JsonSchema>;
  for (const [key, node] of Object.entries(props)) {
    if (!node['allOf']) continue;
    const section = raw[key] ?? {};
    if (typeof section !== 'object' || section === null || Array.isArray(section)) continue; // the schema reports it
    const s = section as Record<string, unknown>;
    if (s['name'] === undefined) s['name'] = (node['properties'] as Record<string, JsonSchema>)['name']!['default'];
    raw[key] = s;
  }
  return raw;
}

/**
 * A config stored with a run, with defaults for keys added to the schema since it was written (older runs
 * lack them). Values it has are kept as they are; it is not re-validated.
 */
export function storedConfig(json: string): ExperimentConfig {
  const raw = fillEntryNames(JSON.parse(json) as Record<string, unknown>);
  validator()(raw);
  return raw as ExperimentConfig; // not re-validated (see above): filled with defaults, taken as stored
}

function pathOf(instancePath: string): YamlPath {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return value.length > 80
      ? `a string of ${value.length} characters ('${value.slice(0, 20)}…')`
      : `'${value}' (a string)`;
  if (Array.isArray(value)) return `a list (${JSON.stringify(value)})`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `${String(value)} (a ${typeof value})`;
}

function getAt(root: unknown, path: YamlPath): unknown {
  return path.reduce<unknown>(
    (node, seg) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined),
    root,
  );
}

/** Keys allowed in the mapping at `path` (registry sections: those of the chosen entry). */
function allowedKeys(schema: JsonSchema, path: YamlPath, data: unknown): string[] {
  let node: JsonSchema | undefined = schema;
  for (const seg of path) node = (node?.['properties'] as Record<string, JsonSchema> | undefined)?.[String(seg)];
  if (!node) return [];
  const keys = Object.keys((node['properties'] as object | undefined) ?? {});
  const name = (getAt(data, [...path, 'name']) as string | undefined) ?? '';
  for (const branch of (node['allOf'] as JsonSchema[] | undefined) ?? []) {
    const cond = ((branch['if'] as JsonSchema)['properties'] as Record<string, {const: string}>)['name']!.const;
    if (cond === name) keys.push(...Object.keys(((branch['then'] as JsonSchema)['properties'] as object) ?? {}));
  }
  return [...new Set(keys)];
}

const registryOfPath: Record<string, string> = {
  'dataset.name': 'datasets',
  'backbone.name': 'backbones',
  'encoders.name': 'encoders',
  'contrastive.mode': 'contrastive',
  'eval.evaluator': 'evaluators',
};

function schemaProblems(errors: ErrorObject[], raw: unknown): Problem[] {
  const schema = experimentSchema();
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'allOf') continue; // the failing branch reports the real problem
    const path = pathOf(e.instancePath);
    const dotted = path.join('.');
    let problem: Problem;
    const found = describe(getAt(raw, path));
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = (e.params as {additionalProperty: string}).additionalProperty;
        const allowed = allowedKeys(schema, path, raw);
        problem = {
          path: [...path, key],
          message: `unknown key \`${key}\`${dotted ? ` in ${dotted}` : ' at the top level'}; allowed: ${allowed.join(', ')}`,
          hint: `${didYouMean(key, allowed)}${path.length === 1 && registrySections(schema).has(String(path[0])) ? `to switch ${dotted} to another entry with that entry's defaults, use --set ${dotted}=<name>; ` : ''}see docs/config.md`,
        };
        break;
      }
      case 'enum': {
        const allowed = (e.params as {allowedValues: unknown[]}).allowedValues.map(String);
        const kind = registryOfPath[dotted];
        problem = kind
          ? {
              path,
              message: `'${String(getAt(raw, path))}' is not in the ${kind} registry; registered: ${allowed.join(', ')}`,
              hint: `${didYouMean(String(getAt(raw, path)), allowed)}see \`scg list ${kind}\``,
            }
          : {
              path,
              message: `expected one of ${allowed.join(', ')}, but found ${found}`,
              hint: didYouMean(String(getAt(raw, path)), allowed) || undefined,
            };
        break;
      }
      case 'type':
        problem = {path, message: `expected ${(e.params as {type: string}).type}, but found ${found}`};
        break;
      case 'required': {
        const key = (e.params as {missingProperty: string}).missingProperty;
        problem = {path: [...path, key], message: `missing required key \`${key}\``};
        break;
      }
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum': {
        const {comparison, limit} = e.params as {comparison: string; limit: number};
        problem = {path, message: `must be ${comparison} ${limit}, but found ${found}`};
        break;
      }
      default:
        problem = {path, message: `${e.message ?? 'is invalid'}, but found ${found}`};
    }
    const key = `${problem.path.join('.')}|${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function semanticProblems(cfg: ExperimentConfig): Problem[] {
  const problems: Problem[] = [];
  const mode = contrastiveModes.get(cfg.contrastive.mode);
  const dataset = datasets.get(cfg.dataset.name);
  const kind = dataset.labelKind;
  // the modes made for a label kind, from the registry, for hints
  const modesFor = (k: 'single' | 'multi') =>
    contrastiveModes
      .list()
      .filter((m) => m.needs === k)
      .map((m) => m.name)
      .join(' or ');
  if (mode.needs === 'single' && kind !== 'single') {
    problems.push({
      path: ['contrastive', 'mode'],
      message: `mode '${mode.name}' needs one label per image, but dataset '${dataset.name}' has label sets`,
      hint: `use mode ${modesFor('multi')} for multi-label datasets`,
    });
  }
  if (mode.needs === 'multi' && kind !== 'multi') {
    problems.push({
      path: ['contrastive', 'mode'],
      message: `mode '${mode.name}' needs label sets, but dataset '${dataset.name}' has one label per image`,
      hint: `use mode ${modesFor('single')} for single-label datasets`,
    });
  }
  problems.push(...foreignKeys('contrastive', 'mode', contrastiveModes, cfg.contrastive, mode.name));
  const modeProblem = mode.check?.(cfg.contrastive, cfg.phases.includes('pretrain'));
  if (modeProblem)
    problems.push({path: ['contrastive', modeProblem.key], message: modeProblem.message, hint: modeProblem.hint});
  const encoderEntry = encoders.get(cfg.encoders.name);
  const loadedEncoders = encoderEntry.kind === 'files';
  const encoderProblem =
    encoderEntry.kind === 'trained'
      ? encoderEntry.check?.(cfg.encoders, {bridge: backbones.get(cfg.backbone.name).bridgesImageEncoder === true})
      : undefined;
  if (encoderProblem)
    problems.push({path: ['encoders', encoderProblem.key], message: encoderProblem.message, hint: encoderProblem.hint});
  if (loadedEncoders && cfg.phases.includes('pretrain')) {
    problems.push({
      path: ['phases'],
      message: `encoders '${cfg.encoders.name}' are loaded frozen from ${String(cfg.encoders['path'])}; the pretrain phase has nothing to train`,
      hint: 'drop pretrain from phases (λ1 applies only to encoders scg pretrains, such as damsm)',
    });
  }
  if (loadedEncoders && cfg.train.encodersFrom) {
    problems.push({
      path: ['train', 'encodersFrom'],
      message: `encoders '${cfg.encoders.name}' are loaded from encoders.path, so train.encodersFrom has nothing to take`,
      hint: "remove train.encodersFrom, or use encoders: damsm to take another run's pretrained encoders",
    });
  }
  if (!loadedEncoders && cfg.phases.includes('train') && !cfg.phases.includes('pretrain') && !cfg.train.encodersFrom) {
    problems.push({
      path: ['phases'],
      message:
        'the GAN phase (train) needs pretrained encoders, but phases has no pretrain and train.encodersFrom is not set',
      hint: 'add pretrain before train, or set train.encodersFrom to the id of a run that pretrained them',
    });
  }
  if (cfg.phases.includes('eval') && !cfg.phases.includes('train')) {
    problems.push({
      path: ['phases'],
      message: 'phase eval evaluates the GAN this run trains, but phases has no train',
      hint: 'to evaluate another run, use `scg eval <run>`',
    });
  }
  problems.push(...protocolProblems(cfg));
  const evaluator = evaluatorOf(cfg);
  problems.push(...foreignKeys('eval', 'evaluator', evaluators, cfg.eval, evaluator.name));
  if (cfg.phases.includes('eval')) problems.push(...evaluatorProblems(cfg));
  const backboneProblem = backbones.get(cfg.backbone.name).check?.(cfg.backbone, cfg.dataset.resolution);
  if (backboneProblem) problems.push(backboneProblem);
  const order = cfg.phases.map((p) => PHASES.indexOf(p));
  if (order.some((v, i) => i > 0 && v < order[i - 1]!)) {
    problems.push({
      path: ['phases'],
      message: `phases must run in the order ${PHASES.join(' → ')}, but found ${cfg.phases.join(', ')}`,
    });
  }
  return problems;
}

/** What a paper protocol (eval.protocol) needs of the dataset, the resolution and the evaluator's weights. */
function protocolProblems(cfg: ExperimentConfig): Problem[] {
  const preset = cfg.eval.protocol ? PAPER_PROTOCOLS[cfg.eval.protocol] : undefined;
  if (!preset) return [];
  const problems: Problem[] = [];
  const why = `eval.protocol ${preset.name} evaluates as the papers do on ${preset.dataset}`;
  if (cfg.dataset.name !== preset.dataset) {
    problems.push({
      path: ['eval', 'protocol'],
      message: `${why}, but dataset is '${cfg.dataset.name}'`,
      hint: `use dataset ${preset.dataset}, or leave eval.protocol unset for scg's own protocol`,
    });
    return problems;
  }
  if (preset.dataset === 'cub' && cfg.dataset['split'] !== 'classes')
    problems.push({
      path: ['dataset', 'split'],
      message: `${why}: its test images are the 50 held-out classes, but split is '${String(cfg.dataset['split'])}'`,
      hint: 'set dataset.split: classes (the shipped list of the 50 test classes is the default)',
    });
  if (preset.dataset === 'coco' && cfg.dataset['maxTest'] !== 0)
    problems.push({
      path: ['dataset', 'maxTest'],
      message: `${why}: its real statistics come from all val2014 images, but maxTest is ${String(cfg.dataset['maxTest'])}`,
      hint: 'set dataset.maxTest: 0',
    });
  const size = preset.resolutionFor(cfg.backbone.name);
  if (cfg.dataset.resolution !== size)
    problems.push({
      path: ['dataset', 'resolution'],
      message: `${why}: ${cfg.backbone.name} generates ${size} px there, but resolution is ${cfg.dataset.resolution}`,
      hint: `set dataset.resolution: ${size}, or leave eval.protocol unset`,
    });
  return problems;
}

/** The evaluator a run's evaluation uses: its protocol's, when eval.protocol is set, else eval.evaluator. */
function evaluatorOf(cfg: ExperimentConfig): EvaluatorDescriptor {
  const preset = cfg.eval.protocol ? PAPER_PROTOCOLS[cfg.eval.protocol] : undefined;
  return evaluators.get(preset?.evaluator ?? cfg.eval.evaluator);
}

/** What would stop the run's evaluator from being built (its own check), found before anything trains. */
function evaluatorProblems(cfg: ExperimentConfig): Problem[] {
  const problem = evaluatorOf(cfg).check?.(cfg.eval);
  if (!problem) return [];
  const via = cfg.eval.protocol ? ` (eval.protocol ${cfg.eval.protocol} evaluates with it)` : '';
  return [{path: ['eval', problem.key], message: `${problem.message}${via}`, hint: problem.hint}];
}

/**
 * Keys that only other entries of a selector section read (a mode's, an evaluator's), set away from their
 * defaults: they would have no effect, so the config is refused rather than silently run without them.
 */
function foreignKeys(
  section: string,
  selector: string,
  registry: Registry<Descriptor>,
  values: object,
  chosen: string,
): Problem[] {
  const own = new Set(Object.keys(entryProperties(registry.get(chosen))));
  const owners = new Map<string, {names: string[]; fallback: unknown}>();
  for (const entry of registry.list()) {
    for (const [key, property] of Object.entries(entryProperties(entry))) {
      if (own.has(key)) continue;
      const o = owners.get(key) ?? {names: [], fallback: property['default']};
      o.names.push(entry.name);
      owners.set(key, o);
    }
  }
  const problems: Problem[] = [];
  for (const [key, {names, fallback}] of owners) {
    const value = (values as Record<string, unknown>)[key];
    if (value === undefined || isDeepStrictEqual(value, fallback)) continue;
    problems.push({
      path: [section, key],
      message: `\`${key}\` is read by ${registry.kind} ${names.join(' or ')} only, but ${section}.${selector} is '${chosen}', so it would have no effect`,
      hint: `remove it, or set ${section}.${selector}: ${names[0]}`,
    });
  }
  return problems;
}

/**
 * Checks a config's eval.protocol as `scg run` does, for evaluations that set it later (`scg eval --protocol`):
 * BAD_INPUT listing every problem, each with its config path.
 */
export function checkEvalProtocol(cfg: ExperimentConfig, where: string): void {
  const problems = [...protocolProblems(cfg), ...evaluatorProblems(cfg)];
  if (problems.length === 0) return;
  throw new ScgError(
    'BAD_INPUT',
    problems.map((p) => `${where}: ${p.path.join('.')}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`).join('\n'),
  );
}

function configError(source: YamlSource, overrides: Override[], problems: Problem[]): ScgError {
  const lines = problems.map((p) => {
    const dotted = p.path.join('.');
    // the last override of a key is the one that took effect
    // the last override of a key is the one that took effect
    const override = [...overrides]
      .reverse()
      .find((o) => dotted === o.path.join('.') || dotted.startsWith(`${o.path.join('.')}.`));
    let where: string;
    if (override) where = override.where ?? `--set ${override.text}`;
    else {
      const pos = source.locate(p.path);
      where = pos ? `${pos.file ?? source.file}:${pos.line}:${pos.col}` : source.file;
    }
    return `${where}: ${dotted || '(top level)'}: ${p.message}${p.hint ? `\n  hint: ${p.hint}` : ''}`;
  });
  const head = problems.length === 1 ? '' : `${source.file}: ${problems.length} problems\n`;
  return new ScgError('BAD_INPUT', head + lines.join('\n'));
}
