// `--set a.b=c` overrides: typed values (YAML scalars and lists), paths checked against the schema.
import {parse} from 'yaml';
import {ScgError} from '../errors';
import type {JsonSchema} from '../registry/registry';
import {didYouMean} from '../core/suggest';

export interface Override {
  /** As the user typed it, for messages. */
  text: string;
  path: string[];
  value: unknown;
  /** Where the override came from, for messages (default: `--set <text>`). */
  where?: string;
  /** A group override (a whole registry section by entry name): applied before the keys, wherever it stands. */
  group?: boolean;
}

/** Properties of a schema node, including those of every registry entry's if/then branch. */
export function childProperties(node: JsonSchema): Record<string, JsonSchema> {
  const props: Record<string, JsonSchema> = {...((node['properties'] as Record<string, JsonSchema>) ?? {})};
  for (const branch of (node['allOf'] as JsonSchema[] | undefined) ?? []) {
    Object.assign(props, ((branch['then'] as JsonSchema)['properties'] as Record<string, JsonSchema>) ?? {});
  }
  return props;
}

/**
 * Why `path` is not a config key (message and hint), or undefined when it is one. Shared by `--set` and sweep
 * files, which name config keys the same way.
 */
export function configPathProblem(
  path: readonly string[],
  schema: JsonSchema,
): {message: string; hint: string} | undefined {
  let node: JsonSchema = schema;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const props = childProperties(node);
    const next = props[seg];
    if (!next) {
      const here = path.slice(0, i).join('.');
      const keys = Object.keys(props);
      return {
        message: `\`${path.slice(0, i + 1).join('.')}\` is not a config key${keys.length ? `; keys${here ? ` of ${here}` : ''}: ${keys.join(', ')}` : ''}`,
        hint: `${didYouMean(seg, keys)}see docs/config.md`,
      };
    }
    node = next;
  }
  return undefined;
}

/** Parses `a.b=c`; the value is read as YAML (`0.1` → number, `true` → boolean, `[a, b]` → list). */
export function parseOverride(text: string, schema: JsonSchema): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ScgError('BAD_INPUT', `--set ${text}: expected key.path=value`, {
      hint: 'for example --set contrastive.temperature=0.2',
    });
  }
  const path = text.slice(0, eq).trim().split('.');
  const rawValue = text.slice(eq + 1);
  const problem = configPathProblem(path, schema);
  if (problem) throw new ScgError('BAD_INPUT', `--set ${text}: ${problem.message}`, {hint: problem.hint});
  let value: unknown;
  try {
    value = rawValue.trim() === '' ? '' : parse(rawValue);
  } catch {
    value = rawValue;
  }
  return asGroupOverride({text, path, value}, schema);
}

/**
 * A group override: a registry section given a bare entry name (`--set backbone=ssagan`) stands for that entry
 * with its defaults, replacing the whole section; key overrides (`--set backbone.width=32`) apply on top.
 */
export function asGroupOverride(o: Override, schema: JsonSchema): Override {
  const node = (schema['properties'] as Record<string, JsonSchema>)[o.path[0]!];
  const isSection =
    o.path.length === 1 &&
    node?.['allOf'] !== undefined &&
    (node['properties'] as Record<string, unknown> | undefined)?.['name'] !== undefined;
  return isSection && typeof o.value === 'string' ? {...o, value: {name: o.value}, group: true} : o;
}

/** Applies overrides in order to a copy-able config object, creating intermediate mappings. */
export function applyOverrides(raw: Record<string, unknown>, overrides: readonly Override[]): Record<string, unknown> {
  // Entries are chosen first, then keys set on them, as in Hydra: `backbone.width=32 backbone=ssagan` is ssagan at 32.
  for (const o of [...overrides.filter((x) => x.group), ...overrides.filter((x) => !x.group)]) {
    let node = raw;
    o.path.slice(0, -1).forEach((seg) => {
      if (typeof node[seg] !== 'object' || node[seg] === null || Array.isArray(node[seg])) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    });
    node[o.path[o.path.length - 1]!] = structuredClone(o.value); // a copy: later overrides and defaults fill it in place
  }
  return raw;
}
