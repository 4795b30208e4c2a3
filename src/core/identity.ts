// Run identity: a hash of the resolved config (runtime settings excluded: they change speed, not the experiment).
import * as crypto from 'node:crypto';

/** JSON with object keys sorted at every depth, so equal configs serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 16 hex chars of sha256 over the canonical config without `runtime`. */
export function configHash(config: {runtime?: unknown}): string {
  const {runtime: _runtime, ...identity} = config;
  return crypto.createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 16);
}

/** Flattens a config into `a.b.c → value` pairs (lists stay whole), for the params table. */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = value;
  return out;
}
