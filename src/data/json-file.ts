// Reads an annotations JSON file; a syntax error names the file, line and column.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {Problems} from './problems';

export function readJsonFile(root: string, rel: string, problems: Problems): unknown {
  const full = path.join(root, rel);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch {
    return problems.fatal(rel, `missing (expected ${full})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      return problems.fatal(`${rel}:${line}:${col}`, `malformed JSON: ${(err as Error).message}`);
    }
    return problems.fatal(rel, `malformed JSON: ${(err as Error).message}`);
  }
}

/** The array at `obj[key]`, or a fatal problem naming the file and key. */
export function jsonArray(obj: unknown, key: string, rel: string, problems: Problems): Record<string, unknown>[] {
  const v = obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(v))
    problems.fatal(
      rel,
      `has no \`${key}\` list (found ${v === undefined ? 'nothing' : typeof v})`,
      'is this the right annotations file?',
    );
  return v as Record<string, unknown>[];
}

/** A field of entry `index` of `list` with the expected type, or a fatal problem naming the entry. */
export function jsonField<T extends 'number' | 'string'>(
  entry: Record<string, unknown>,
  field: string,
  type: T,
  where: string,
  problems: Problems,
): T extends 'number' ? number : string {
  const v = entry && typeof entry === 'object' ? entry[field] : undefined;
  if (typeof v !== type)
    problems.fatal(where, `\`${field}\` should be a ${type}, found ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  return v as T extends 'number' ? number : string;
}
