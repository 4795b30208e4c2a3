// Whitespace-separated index files (CUB's images.txt, classes.txt, ...): rows with their line numbers, checked column counts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {Problems} from './problems';

export interface TableRow {
  line: number;
  cols: string[];
}

/** Reads `file` (relative to the dataset root) into rows of at least `minCols` columns; blank lines are skipped. */
export function readTable(root: string, file: string, minCols: number, problems: Problems): TableRow[] {
  const full = path.join(root, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch {
    return problems.fatal(file, `missing (expected ${full})`);
  }
  const rows: TableRow[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const cols = line.split(/\s+/);
    if (cols.length < minCols)
      problems.fatal(`${file}:${i + 1}`, `expected ${minCols} columns, found ${cols.length}: '${line}'`);
    rows.push({line: i + 1, cols});
  });
  return rows;
}

/** Parses an integer column, or stops with the file and line. */
export function intCol(row: TableRow, col: number, file: string, problems: Problems): number {
  const v = Number(row.cols[col]);
  if (!Number.isInteger(v))
    problems.fatal(`${file}:${row.line}`, `column ${col + 1} should be an integer, found '${row.cols[col]}'`);
  return v;
}

/** Parses a number column, or stops with the file and line. */
export function numCol(row: TableRow, col: number, file: string, problems: Problems): number {
  const v = Number(row.cols[col]);
  if (!Number.isFinite(v))
    problems.fatal(`${file}:${row.line}`, `column ${col + 1} should be a number, found '${row.cols[col]}'`);
  return v;
}
