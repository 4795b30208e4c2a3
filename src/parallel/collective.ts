// Collective operations (all-gather, all-reduce) between the threads of one data-parallel step, over shared memory.
//
// Every rank runs the same program, so every rank calls the same collectives in the same order. A call blocks
// (Atomics.wait) until all ranks have arrived. A rank that fails sets the abort flag with its message, and the
// others' pending and later calls throw CollectiveAbort instead of waiting forever.

/** Thrown on every rank once any rank has aborted the group. */
export class CollectiveAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectiveAbort';
  }
}

export interface Collective {
  readonly rank: number;
  readonly size: number;
  /** Every rank's `data`, in rank order (lengths may differ). */
  allGather(data: Float32Array): Float32Array[];
  /** Element-wise sum over ranks (times `scale`), added in rank order, so every rank gets bitwise the same result. */
  allReduceSum(data: Float32Array, scale?: number): Float32Array;
  /** Tells every rank to stop: their collectives throw CollectiveAbort(`reason`). */
  abort(reason: string): void;
}

// Control words: generation, arrivals, abort flag, abort message length, then one length per rank.
const GEN = 0;
const ARRIVED = 1;
const ABORT = 2;
const REASON_LEN = 3;
const LENGTHS = 4;
const REASON_BYTES = 2048;

/** The memory a group shares; made once by the coordinator and passed to every thread. */
export interface CollectiveMemory {
  buffer: SharedArrayBuffer;
  size: number;
  /** Floats per rank per exchange round; longer payloads go in several rounds. */
  slotFloats: number;
}

export function allocateCollective(size: number, slotFloats = 1 << 22): CollectiveMemory {
  const controlBytes = 4 * (LENGTHS + size) + REASON_BYTES;
  const aligned = Math.ceil(controlBytes / 16) * 16;
  return {buffer: new SharedArrayBuffer(aligned + 4 * slotFloats * size), size, slotFloats};
}

/** One rank's view of the shared memory. */
export class SharedCollective implements Collective {
  private readonly ctl: Int32Array;
  private readonly reason: Uint8Array;
  private readonly slots: Float32Array;
  readonly size: number;
  /** Milliseconds this rank spent waiting for the others (load imbalance plus synchronisation cost). */
  waitedMs = 0;

  /**
   * @param stallMs how long one wait may last before this rank gives up on the others (a thread killed in the
   *   middle of a step cannot say so: this rank is blocked and sees no events). Far above any gap between two
   *   collectives of one step.
   */
  constructor(
    mem: CollectiveMemory,
    readonly rank: number,
    private readonly stallMs = 30 * 60_000,
    private readonly waitMs = 250,
  ) {
    this.size = mem.size;
    this.ctl = new Int32Array(mem.buffer, 0, LENGTHS + mem.size);
    this.reason = new Uint8Array(mem.buffer, 4 * (LENGTHS + mem.size), REASON_BYTES);
    const offset = Math.ceil((4 * (LENGTHS + mem.size) + REASON_BYTES) / 16) * 16;
    this.slots = new Float32Array(mem.buffer, offset, mem.slotFloats * mem.size);
  }

  private get slotFloats(): number {
    return this.slots.length / this.size;
  }

  private checkAbort(): void {
    if (Atomics.load(this.ctl, ABORT) !== 2) return;
    const n = Atomics.load(this.ctl, REASON_LEN);
    throw new CollectiveAbort(
      Buffer.from(this.reason.slice(0, n)).toString('utf8') || 'another thread of the step failed',
    );
  }

  /** Waits until every rank has arrived (a generation-counting barrier). */
  barrier(): void {
    this.checkAbort();
    const gen = Atomics.load(this.ctl, GEN);
    if (Atomics.add(this.ctl, ARRIVED, 1) === this.size - 1) {
      Atomics.store(this.ctl, ARRIVED, 0);
      Atomics.add(this.ctl, GEN, 1);
      Atomics.notify(this.ctl, GEN);
      return;
    }
    const t0 = performance.now();
    while (Atomics.load(this.ctl, GEN) === gen) {
      Atomics.wait(this.ctl, GEN, gen, this.waitMs);
      this.checkAbort();
      if (performance.now() - t0 > this.stallMs) {
        this.abort(
          `thread ${this.rank} waited ${Math.round(this.stallMs / 1000)} s for the other threads at a collective; one of them stopped`,
        );
        this.checkAbort();
      }
    }
    this.waitedMs += performance.now() - t0;
    this.checkAbort(); // an abort also moves the generation on
  }

  /**
   * One exchange: every rank publishes its length and first chunk, then the chunks go round by round (one round
   * when every payload fits a slot). `read(lengths, start, slots, cap)` consumes the round that begins at float
   * `start` of every payload (rank r's chunk at `slots[r·cap …]`); the barrier after it keeps the slots from being
   * overwritten before every rank has read them.
   */
  private exchange(
    data: Float32Array,
    read: (lengths: number[], start: number, slots: Float32Array, cap: number) => void,
  ): number[] {
    const cap = this.slotFloats;
    Atomics.store(this.ctl, LENGTHS + this.rank, data.length);
    this.slots.set(data.subarray(0, Math.min(cap, data.length)), this.rank * cap);
    this.barrier();
    const lengths = Array.from({length: this.size}, (_, r) => Atomics.load(this.ctl, LENGTHS + r));
    const rounds = Math.max(1, Math.ceil(Math.max(...lengths) / cap));
    for (let round = 0; round < rounds; round++) {
      const start = round * cap;
      if (round > 0) {
        this.slots.set(
          data.subarray(Math.min(start, data.length), Math.min(start + cap, data.length)),
          this.rank * cap,
        );
        this.barrier();
      }
      read(lengths, start, this.slots, cap);
      this.barrier();
    }
    return lengths;
  }

  allGather(data: Float32Array): Float32Array[] {
    let out: Float32Array[] = [];
    this.exchange(data, (lengths, start, slots, cap) => {
      if (start === 0) out = lengths.map((n) => new Float32Array(n));
      lengths.forEach((n, r) => {
        const count = Math.max(0, Math.min(cap, n - start));
        if (count > 0) out[r]!.set(slots.subarray(r * cap, r * cap + count), start);
      });
    });
    return out;
  }

  allReduceSum(data: Float32Array, scale = 1): Float32Array {
    const sum = new Float32Array(data.length);
    this.exchange(data, (lengths, start, slots, cap) => {
      if (start === 0 && lengths.some((n) => n !== data.length)) {
        // Every rank sees the same lengths, so every rank throws here, after the barrier that published them.
        throw new Error(`allReduceSum: rank lengths differ (${lengths.join(', ')})`);
      }
      const count = Math.min(cap, data.length - start);
      for (let i = 0; i < count; i++) {
        let v = 0;
        for (let r = 0; r < this.size; r++) v += slots[r * cap + i]!;
        sum[start + i] = scale === 1 ? v : v * scale;
      }
    });
    return sum;
  }

  abort(reason: string): void {
    if (Atomics.compareExchange(this.ctl, ABORT, 0, 1) !== 0) return; // the first reason wins
    const bytes = Buffer.from(reason, 'utf8').subarray(0, REASON_BYTES);
    this.reason.set(bytes);
    Atomics.store(this.ctl, REASON_LEN, bytes.length);
    Atomics.store(this.ctl, ABORT, 2); // 1 = being written, 2 = set: readers never see a half-written reason
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
  }
}
