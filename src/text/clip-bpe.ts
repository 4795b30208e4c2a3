// CLIP's byte-level BPE tokenizer, built from a Hugging Face folder's vocab.json and merges.txt.

/**
 * The reversible byte → character table of GPT-2 and CLIP: printable Latin-1 bytes map to themselves, the other
 * 68 bytes to the characters from U+0100 on, in byte order, so every token is a string without spaces or controls.
 */
export function byteCharacters(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(printable(b) ? b : 256 + next++));
  return table;
}

/** CLIP's pre-split: its two special tokens, English clitics, letter runs, single digits, other non-space runs. */
const PIECES = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';

export class ClipTokenizer {
  private readonly ranks: Map<string, number>;
  private readonly bytes = byteCharacters();
  private readonly cache = new Map<string, number[]>();
  readonly startId: number;
  readonly endId: number;

  /**
   * `vocab`: token → id (vocab.json); `merges`: merges.txt's lines, in rank order (a `#version` line and blank
   * lines are skipped). Throws if the vocabulary lacks the two special tokens.
   */
  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    merges: readonly string[],
  ) {
    this.ranks = new Map();
    for (const line of merges) {
      if (line.startsWith('#version') || line.trim() === '') continue;
      const pair = line.trim().split(/\s+/);
      if (pair.length !== 2) throw new Error(`merges.txt: '${line}' is not a pair of symbols`);
      if (!this.ranks.has(pair.join(' '))) this.ranks.set(pair.join(' '), this.ranks.size);
    }
    const special = (t: string) => {
      const id = vocab.get(t);
      if (id === undefined) throw new Error(`vocab.json has no ${t} token`);
      return id;
    };
    this.startId = special(START_OF_TEXT);
    this.endId = special(END_OF_TEXT);
  }

  /** Token ids of `text` without the start and end tokens (lowercased, whitespace collapsed, as CLIP does). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of text.replace(/\s+/g, ' ').trim().toLowerCase().match(PIECES) ?? [])
      ids.push(...this.piece(piece));
    return ids;
  }

  /** One pre-split piece: its UTF-8 bytes as characters, then merged by rank; the last symbol ends in `</w>`. */
  private piece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const special = this.vocab.get(piece);
    if (piece === START_OF_TEXT || piece === END_OF_TEXT) return [special!];
    const chars = [...Buffer.from(piece, 'utf8')].map((b) => this.bytes[b]!);
    let symbols = [...chars.slice(0, -1), `${chars.at(-1)}</w>`];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      // Merge every occurrence of the best pair, left to right, as BPE does.
      const [a, b] = [symbols[best]!, symbols[best + 1]!];
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(symbols[i]!);
      }
      symbols = merged;
    }
    const ids = symbols.map((s) => {
      const id = this.vocab.get(s);
      if (id === undefined) throw new Error(`vocab.json has no token '${s}' (from '${piece}'), which merges.txt makes`);
      return id;
    });
    this.cache.set(piece, ids);
    return ids;
  }
}
