// A lock file for work that parallel processes would otherwise repeat (training the builtin evaluator for a cache).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {processAlive} from './process-alive';

export interface LockOwner {
  pid: number;
  host: string;
}

/** The process that holds `lock` (pid and host), or undefined when it is gone or being written. */
export function lockOwner(lock: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(lock, 'utf8')) as LockOwner;
  } catch {
    return undefined; // being written, or gone
  }
}

function ownerGone(o: LockOwner | undefined): boolean {
  if (!o || o.host !== os.hostname()) return false; // another host: wait for its result (or the time limit)
  return !processAlive(o.pid);
}

/**
 * Runs `work` while holding `lock`, unless `done()` becomes true while another process holds it (then the
 * other process did the work). A lock left by a dead process on this host is taken over; after `maxWaitMs`
 * the work runs anyway, so a stuck lock costs time, never correctness.
 */
export async function onceAcrossProcesses(
  lock: string,
  done: () => boolean,
  work: () => Promise<void>,
  opts: {log: (line: string) => void; maxWaitMs?: number},
): Promise<void> {
  fs.mkdirSync(path.dirname(lock), {recursive: true});
  const started = Date.now();
  let waited = false;
  for (;;) {
    if (done()) return;
    let fd: number | undefined;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch {
      fd = undefined;
    }
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, JSON.stringify({pid: process.pid, host: os.hostname()}));
        fs.closeSync(fd);
        if (!done()) await work();
      } finally {
        fs.rmSync(lock, {force: true});
      }
      return;
    }
    const o = lockOwner(lock);
    if (ownerGone(o)) {
      fs.rmSync(lock, {force: true});
      continue;
    }
    if (Date.now() - started > (opts.maxWaitMs ?? 30 * 60 * 1000)) {
      opts.log(`${lock}: still held by process ${o?.pid ?? '?'} on ${o?.host ?? '?'}; doing the work here as well`);
      await work();
      return;
    }
    if (!waited)
      opts.log(
        `waiting for process ${o?.pid ?? '?'}${o && o.host !== os.hostname() ? ` on ${o.host}` : ''}, which is doing the same work (${path.basename(lock)})`,
      );
    waited = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
