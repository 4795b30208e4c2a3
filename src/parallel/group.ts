// A data-parallel group: this thread as rank 0 plus worker threads, each with its own tfjs backend, running the
// same shard program on their part of every batch and meeting in collectives.
import * as path from 'node:path';
import {Worker} from 'node:worker_threads';
import type {BackendChoice} from '../core/backend';
import {allocateCollective, CollectiveAbort, type CollectiveMemory, SharedCollective} from './collective';
import {withCollective} from './sharded-ops';
import {ScgError} from '../errors';

/** What one rank runs: the same messages arrive at every rank, in the same order. */
export interface ShardProgram<M, R = void> {
  /** Handles one message; rank 0's result is what DataParallelGroup.run returns. */
  handle(message: M): R;
  dispose(): void;
}

/** Names the module and export that build a rank's ShardProgram, so worker threads can build their own. */
export interface ShardSpec<A> {
  /** Absolute path of the compiled module. */
  module: string;
  /** Exported `(args, shard) => ShardProgram | Promise<ShardProgram>`. */
  factory: string;
  args: A;
}

export interface ShardPlace {
  rank: number;
  size: number;
}

export type ShardFactory<A, M> = (
  args: A,
  place: ShardPlace,
) => ShardProgram<M, unknown> | Promise<ShardProgram<M, unknown>>;

/** The rows `[start, end)` of a `total`-row batch that rank `rank` of `size` owns (contiguous, equal when size divides total). */
export function shardRows(total: number, place: ShardPlace): [number, number] {
  const base = Math.floor(total / place.size);
  const extra = total % place.size;
  const start = place.rank * base + Math.min(place.rank, extra);
  return [start, start + base + (place.rank < extra ? 1 : 0)];
}

/**
 * The largest thread count ≤ `wanted` that divides `batch` (equal shards keep per-row means exact), with the
 * reason when it is less than asked.
 */
export function usableThreads(wanted: number, batch: number): {threads: number; note?: string} {
  let t = Math.max(1, Math.min(wanted, Math.floor(batch / 2))); // two rows per thread at least (mismatched pairs)
  while (batch % t !== 0) t--;
  return t === wanted
    ? {threads: t}
    : {
        threads: t,
        note: `${wanted} threads asked, ${t} used: the batch of ${batch} must split into equal shards of two rows or more`,
      };
}

interface WorkerMessage {
  ready?: boolean;
  error?: string;
}

export class DataParallelGroup<M, R = void> {
  private closed = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly local: ShardProgram<M, R>,
    readonly collective: SharedCollective,
  ) {}

  get size(): number {
    return this.collective.size;
  }

  /**
   * Starts `size - 1` worker threads; each initialises `backend` and builds its program from `spec`. `local` is
   * rank 0's program, built by the caller on this thread (it owns it: `close` disposes it).
   */
  static async start<A, M, R>(
    size: number,
    spec: ShardSpec<A>,
    backend: BackendChoice,
    local: ShardProgram<M, R>,
    opts: {slotFloats?: number} = {},
  ): Promise<DataParallelGroup<M, R>> {
    const mem: CollectiveMemory = allocateCollective(size, opts.slotFloats);
    const workers: Worker[] = [];
    try {
      const ready = [];
      for (let rank = 1; rank < size; rank++) {
        const w = new Worker(path.join(__dirname, 'worker.js'), {workerData: {mem, rank, spec, backend}});
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.once('message', (m: WorkerMessage) =>
              m.ready ? resolve() : reject(new Error(`thread ${rank} could not start: ${m.error}`)),
            );
            w.once('error', (err) => reject(new Error(`thread ${rank} could not start: ${err.message}`)));
            w.once('exit', (code) => reject(new Error(`thread ${rank} exited with code ${code} while starting`)));
          }),
        );
      }
      await Promise.all(ready);
      const collective = new SharedCollective(mem, 0);
      workers.forEach((w, k) => {
        w.removeAllListeners();
        // Seen between steps (this thread blocks while a step runs): the next step then fails with the reason.
        w.on('error', (err) => collective.abort(`thread ${k + 1}: ${err.message}`));
        w.on('exit', (code) => collective.abort(`thread ${k + 1} exited with code ${code}`));
      });
      return new DataParallelGroup<M, R>(workers, local, collective);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  /**
   * Sends `message` to every worker thread and handles it on this thread, with the group's collective active.
   * If any rank fails, every rank's collectives abort and this throws the failing rank's error.
   */
  run(message: M): R {
    if (this.closed) throw new Error('the data-parallel group is closed');
    for (const w of this.workers) w.postMessage(message);
    try {
      return withCollective(this.collective, () => this.local.handle(message));
    } catch (err) {
      if (err instanceof CollectiveAbort)
        throw new ScgError('RUN_FAILED', `data-parallel step failed: ${err.message}`, {cause: err});
      this.collective.abort(`thread 0: ${(err as Error).message}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.dispose();
    for (const w of this.workers) w.removeAllListeners('exit'); // terminating is not a failure
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
