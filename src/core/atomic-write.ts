// Writes a file so that readers see either nothing or all of it (temp file, fsync, rename): safe for parallel workers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {processAlive} from './process-alive';

/** Tests only: pause this many ms in the middle of every atomic write, so a kill can land inside one. */
export const WRITE_DELAY_ENV = 'SCG_TEST_WRITE_DELAY_MS';

const TEMP = /\.tmp-(\d+)$/;

export function writeFileAtomic(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), {recursive: true});
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const delay = Number(process.env[WRITE_DELAY_ENV] ?? 0);
    if (delay > 0) {
      // the fault tests' window: half the file is on disk, the rest comes after a pause
      const half = Math.floor(bytes.length / 2);
      fs.writeSync(fd, bytes.subarray(0, half));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
      fs.writeSync(fd, bytes.subarray(half));
    } else fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dirFd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // some filesystems cannot fsync a directory; the rename is still atomic
  }
}

/**
 * Removes the temp files that writers on this host left in `dir` (and one level of subfolders) when they died
 * mid-write (`kill -9` during a checkpoint leaves a full-size one); a live writer's are kept. Returns their paths.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  const visit = (d: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, {withFileTypes: true});
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory() && depth > 0) visit(full, depth - 1);
      const pid = TEMP.exec(e.name)?.[1];
      if (e.isFile() && pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))) {
        fs.rmSync(full, {force: true});
        removed.push(full);
      }
    }
  };
  visit(dir, 1);
  return removed;
}
