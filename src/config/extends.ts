// `extends: <file>` in a config: the file it names is read first (relative to the extending file; chains
// allowed, cycles refused) and the extending file's keys are laid over it, so a preset holds only what differs.
import * as path from 'node:path';
import {ScgError} from '../errors';
import type {JsonSchema} from '../registry/registry';
import {readYaml, type SourcePosition, type YamlPath, type YamlSource} from './yaml-source';

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Lays `over` onto `base`: mappings merge key by key, anything else (lists, scalars) replaces, and a null
 * removes the key from the base. A registry
 * section (`dataset`, `backbone`, `encoders`) that names another entry than the base's replaces the base's
 * section whole, since the other entry's keys would not fit it.
 */
export function overlay(base: unknown, over: unknown, sections: ReadonlySet<string> = new Set(), depth = 0): unknown {
  if (!isMapping(base) || !isMapping(over)) return structuredClone(over);
  const out: Mapping = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    if (v === null) {
      delete out[k]; // null takes an inherited key away (as JSON Merge Patch does), e.g. eval.protocol
      continue;
    }
    const switched =
      depth === 0 &&
      sections.has(k) &&
      isMapping(v) &&
      isMapping(out[k]) &&
      v['name'] !== undefined &&
      v['name'] !== (out[k] as Mapping)['name'];
    out[k] = switched ? structuredClone(v) : overlay(out[k], v, sections, depth + 1);
  }
  return out;
}

/** The top-level keys whose section is chosen by a registry `name` (they have one if/then branch per entry). */
export function registrySections(schema: JsonSchema): Set<string> {
  const props = schema['properties'] as Record<string, JsonSchema>;
  return new Set(
    Object.keys(props).filter(
      (k) =>
        props[k]!['allOf'] !== undefined && (props[k]!['properties'] as Mapping | undefined)?.['name'] !== undefined,
    ),
  );
}

/** Whether `path` exists in `value` (the whole path, not a prefix of it). */
function has(value: unknown, p: YamlPath): boolean {
  let node = value;
  for (const seg of p) {
    if (!node || typeof node !== 'object' || !(String(seg) in (node as Mapping))) return false;
    node = (node as Mapping)[String(seg)];
  }
  return true;
}

/**
 * Reads `file` and every file its `extends` chain names, merged. Messages point into the file that set a key:
 * `locate` answers from the nearest file in the chain that has the whole path.
 */
export function readConfigSource(file: string, schema: JsonSchema, chain: string[] = []): YamlSource {
  const own = readYaml(file);
  const value = own.value as Mapping;
  const parent = value['extends'];
  if (parent === undefined) return own;
  const pos = own.locate(['extends']);
  const where = `${file}:${pos?.line ?? 1}:${pos?.col ?? 1}: extends`;
  if (typeof parent !== 'string' || parent === '') {
    throw new ScgError(
      'BAD_INPUT',
      `${where}: expected the path of another config file, but found ${JSON.stringify(parent)}`,
      {hint: 'for example extends: quickstart.yaml (relative to this file)'},
    );
  }
  const target = path.resolve(path.dirname(file), parent);
  const seen = [...chain, path.resolve(file)];
  if (seen.includes(target)) {
    throw new ScgError(
      'BAD_INPUT',
      `${where}: the chain comes back to ${target} (${[...seen, target].map((f) => path.basename(f)).join(' → ')})`,
      {hint: 'a config may not extend itself, directly or through others'},
    );
  }
  let base: YamlSource;
  try {
    base = readConfigSource(target, schema, seen);
  } catch (err) {
    if (err instanceof ScgError && err.message.includes(': extends:')) throw err;
    throw new ScgError('BAD_INPUT', `${where}: ${(err as Error).message}`, {
      hint: 'extends is relative to the file that names it',
    });
  }
  const {extends: _extends, ...rest} = value;
  const merged = overlay(base.value, rest, registrySections(schema));
  return {
    file,
    value: merged,
    locate: (p): SourcePosition | undefined => (has(rest, p) || !has(base.value, p) ? own.locate(p) : base.locate(p)),
  };
}
