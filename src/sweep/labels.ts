// Short text for an axis value in tables and plots: scalars as written, a section by its `name`, anything else as compact JSON.
import {canonicalJson} from '../core/identity';

function compact(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(compact).join(', ')}]`;
  return canonicalJson(value);
}

/** The label of one value: a mapping with a `name` (a registry section) is shown by that name. */
export function axisLabel(value: unknown): string {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as {name?: unknown}).name === 'string'
  ) {
    return (value as {name: string}).name;
  }
  return compact(value);
}

/** Labels for all values of one axis: by name where names tell them apart, otherwise in full. */
export function axisLabels(values: readonly unknown[]): Map<string, string> {
  const byKey = new Map(values.map((v) => [canonicalJson(v), v]));
  const short = [...byKey.values()].map(axisLabel);
  const unique = new Set(short).size === byKey.size;
  return new Map([...byKey].map(([k, v]) => [k, unique ? axisLabel(v) : compact(v)]));
}
