// Parses YAML while keeping source positions, so every config error can point at a file and line.
import * as fs from 'node:fs';
import {isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node} from 'yaml';
import {ScgError} from '../errors';

export type YamlPath = (string | number)[];

export interface SourcePosition {
  line: number;
  col: number;
  /** The file the position is in, when it is not the source's own (a key set by an `extends` base). */
  file?: string;
}

export interface YamlSource {
  file: string;
  value: unknown;
  /** The position of the deepest node on `path` (the key, when the path ends at a mapping key). */
  locate(path: YamlPath): SourcePosition | undefined;
}

/** Reads and parses `file`; syntax errors, empty files and non-mapping roots are BAD_INPUT errors with a line. */
/** Config and sweep files larger than this are refused before parsing (a 50 MB file took minutes and GBs). */
export const MAX_YAML_BYTES = 1024 * 1024;

export function readYaml(file: string): YamlSource {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_YAML_BYTES) {
      throw new ScgError(
        'BAD_INPUT',
        `${file}: the file is ${(size / 1024 / 1024).toFixed(1)} MB; config and sweep files are limited to ${MAX_YAML_BYTES / 1024 / 1024} MB`,
        {
          hint: 'a config names its data; it does not contain it',
        },
      );
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ScgError) throw err;
    throw new ScgError(
      'BAD_INPUT',
      `${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      {
        hint: 'check the path; config paths are relative to the current directory',
      },
    );
  }
  return parseYaml(text, file);
}

export function parseYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true});
  const pos = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const {line, col} = pos(e.pos[0]);
    throw new ScgError('BAD_INPUT', `${file}:${line}:${col}: YAML syntax error: ${e.message.split('\n')[0]}`, {
      hint: 'YAML uses `key: value` with spaces after colons and consistent indentation',
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({maxAliasCount: 100});
  } catch (err) {
    // the yaml package refuses documents whose aliases expand exponentially ("billion laughs")
    let at = '';
    visit(doc, {
      Alias: (_key, node) => {
        if (node.range) {
          const {line, col} = pos(node.range[0]);
          at = `:${line}:${col}`;
        }
        return visit.BREAK;
      },
    });
    throw new ScgError(
      'BAD_INPUT',
      `${file}${at}: the YAML aliases expand too far (${(err as Error).message.split('\n')[0]})`,
      {
        hint: 'write the values out instead of nesting aliases (*name) of aliases',
      },
    );
  }
  if (value === null || value === undefined) {
    throw new ScgError('BAD_INPUT', `${file}: the file is empty`, {hint: 'start from configs/pretrain.yaml'});
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ScgError(
      'BAD_INPUT',
      `${file}:1:1: the top level must be a mapping of keys (name, dataset, backbone, ...), but found ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`,
      {
        hint: 'start from configs/pretrain.yaml',
      },
    );
  }
  return {
    file,
    value,
    locate: (path) => {
      const at = locate(doc, path, pos);
      return at && {...at, file};
    },
  };
}

function locate(
  doc: Document,
  path: YamlPath,
  pos: (o: number) => {line: number; col: number},
): SourcePosition | undefined {
  let node: unknown = doc.contents;
  let found: SourcePosition | undefined = node && (node as Node).range ? pos((node as Node).range![0]) : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (isScalar(pair.key) && pair.key.range) found = pos(pair.key.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node && (node as Node).range) found = pos((node as Node).range![0]);
    } else break;
  }
  return found;
}
