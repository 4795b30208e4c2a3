// The fault suite's tools: start scg as a child, kill it at a chosen moment, and compare what a store holds with
// an uninterrupted run of the same config.
import {spawn, type ChildProcess} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {MACHINE_METRICS} from '../../src/runtime/phase-loop';
import {BIN, query, scg} from '../cli-support';

export {query, scg};

export const tmpDir = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `scg-fault-${tag}-`));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A started `scg …` child with its stderr collected and a promise of its exit. */
export interface Child {
  proc: ChildProcess;
  stderr: () => string;
  exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

export function start(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: {...process.env, SCG_DB: '', ...env},
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    proc.on('exit', (code, signal) => resolve({code, signal})),
  );
  return {proc, stderr: () => err, exit};
}

/** Polls every 10 ms until `found()` returns something (or fails after `seconds`). */
export async function waitFor<T>(what: string, found: () => T | undefined | false, seconds = 120): Promise<T> {
  for (let i = 0; i < seconds * 100; i++) {
    const v = found();
    if (v) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The files under `dir` (recursively) whose names match `re`. */
export function filesMatching(dir: string, re: RegExp): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, {recursive: true}) as string[])
    .filter((f) => re.test(path.basename(f)))
    .map((f) => path.join(dir, f));
}

/** Starts `scg run`, SIGKILLs it as soon as a file matching `re` appears under the store's runs/, waits for it. */
export async function killWhen(
  db: string,
  args: string[],
  re: RegExp,
  env: Record<string, string> = {},
): Promise<string> {
  const child = start(['run', ...args, '--db', db], env);
  // a server store keeps run folders under SCG_ARTIFACTS; an SQLite store next to its file
  const runs = path.join(env['SCG_ARTIFACTS'] ?? path.dirname(db), 'runs');
  let exited = false;
  void child.exit.then(() => {
    exited = true;
  });
  const file = await waitFor(`a file matching ${re} (the run exited first: ${child.stderr()})`, () => {
    if (exited) throw new Error(`the run ended before ${re} appeared:\n${child.stderr()}`);
    return filesMatching(runs, re)[0];
  });
  child.proc.kill('SIGKILL');
  const {signal} = await child.exit;
  if (signal !== 'SIGKILL') throw new Error(`the run ended on its own before the kill:\n${child.stderr()}`);
  return file;
}

export interface MetricPoint {
  phase: string;
  key: string;
  step: number;
  value: number;
}

/** Every training metric of the store's only run (evaluation and wall-clock keys left out), ordered. */
export function trainingMetrics(db: string): MetricPoint[] {
  return query<MetricPoint>(
    db,
    `SELECT phase, key, step, value FROM metrics WHERE key NOT IN (${MACHINE_METRICS.map((k) => `'${k}'`).join(', ')})
    AND phase IN ('pretrain', 'train') ORDER BY phase, key, step`,
  );
}

/**
 * The metrics of an interrupted-and-resumed run equal those of an uninterrupted one: the same (phase, key, step)
 * rows, none missing or twice, with the same values bit for bit (resuming replays the keyed random streams exactly).
 */
export function sameMetrics(actual: MetricPoint[], expected: MetricPoint[]): string | undefined {
  const key = (m: MetricPoint) => `${m.phase}/${m.key}@${m.step}`;
  const a = actual.map(key);
  const e = expected.map(key);
  if (new Set(a).size !== a.length)
    return `duplicated steps: ${a
      .filter((k, i) => a.indexOf(k) !== i)
      .slice(0, 5)
      .join(', ')}`;
  const missing = e.filter((k) => !a.includes(k));
  const extra = a.filter((k) => !e.includes(k));
  if (missing.length || extra.length)
    return `missing ${missing.slice(0, 8).join(', ') || 'none'}; extra ${extra.slice(0, 8).join(', ') || 'none'}`;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]!.value !== expected[i]!.value)
      return `${key(actual[i]!)} is ${actual[i]!.value}, uninterrupted ${expected[i]!.value}`;
  }
  return undefined;
}
