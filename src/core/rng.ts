// Seeded random numbers: sfc32 streams derived from (seed, purpose, step), so any step can be replayed on resume.

/** 32-bit string hash (xmur3) used to derive stream seeds from keys. */
function hashKeys(keys: readonly (string | number)[]): () => number {
  const str = keys.join('\u0000');
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

/** A small fast PRNG (sfc32) whose whole state is four 32-bit words. */
export class Rng {
  private s: [number, number, number, number];

  constructor(state: readonly [number, number, number, number]) {
    this.s = [...state];
  }

  /** A stream for one purpose: `Rng.for(seed, 'pretrain', step)`. Same keys, same numbers. */
  static for(...keys: (string | number)[]): Rng {
    const h = hashKeys(keys);
    const rng = new Rng([h(), h(), h(), h()]);
    for (let i = 0; i < 12; i++) rng.nextUint32(); // warm up away from correlated first outputs
    return rng;
  }

  state(): [number, number, number, number] {
    return [...this.s];
  }

  nextUint32(): number {
    let [a, b, c, d] = this.s;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.s = [a, b, c, d];
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `n` standard normals as a Float32Array, scaled by `std`. */
  normals(n: number, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * std;
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  /** A seed for tfjs ops that take one (dropout). */
  seed(): number {
    return this.nextUint32();
  }
}
