// Tokenizer and vocabulary shared by every dataset: lowercase word tokens, ids by frequency, 0 = padding.

export const PAD = '<pad>';
export const UNK = '<unk>';

/** Lowercase words of a caption (letters, digits and apostrophes; everything else separates). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

export interface EncodedCaption {
  /** Word ids, at most `maxWords`, no padding. */
  ids: number[];
  /** Words that were not in the vocabulary (encoded as <unk>). */
  unknown: string[];
}

export class Vocabulary {
  private readonly index: Map<string, number>;

  /** `words[0]` is <pad> and `words[1]` is <unk>. */
  constructor(readonly words: readonly string[]) {
    this.index = new Map(words.map((w, i) => [w, i]));
  }

  /** Builds the vocabulary from training captions: most frequent first, ties alphabetical (deterministic). */
  static build(captions: Iterable<string>): Vocabulary {
    const counts = new Map<string, number>();
    for (const c of captions) for (const w of tokenize(c)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
    return new Vocabulary([PAD, UNK, ...words]);
  }

  get size(): number {
    return this.words.length;
  }

  encode(text: string, maxWords: number): EncodedCaption {
    const unknown: string[] = [];
    const ids = tokenize(text)
      .slice(0, maxWords)
      .map((w) => {
        const id = this.index.get(w);
        if (id === undefined) unknown.push(w);
        return id ?? 1;
      });
    return {ids, unknown};
  }

  toJSON(): {words: readonly string[]} {
    return {words: this.words};
  }
}
