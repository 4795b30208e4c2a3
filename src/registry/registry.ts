// A typed name → descriptor table for one kind of pluggable part (datasets, backbones, loss modes, ...).
import {ScgError} from '../errors';
import {didYouMean} from '../core/suggest';
import type {Properties, Resolved} from '../core/json-schema';

/** JSON Schema (draft-07 subset) for an entry's own config keys. */
export type JsonSchema = Record<string, unknown>;

/** What every registry entry declares: a unique name, a one-line summary, its config keys, and how to build it. */
export interface Descriptor {
  readonly name: string;
  readonly summary: string;
  /**
   * Schema of the entry's own config keys; defaults live here. For a section that `name` selects (dataset,
   * backbone, encoders) these are the properties beside `name`; for a section whose selector is one key among
   * shared ones (contrastive.mode, eval.evaluator) they sit flat beside the shared keys.
   */
  readonly schema?: JsonSchema;
}

/** The property schemas an entry declares (empty when it has no keys of its own). */
export function entryProperties(entry: Descriptor): Record<string, JsonSchema> {
  return (entry.schema?.['properties'] as Record<string, JsonSchema> | undefined) ?? {};
}

/** The schema of an entry whose keys are typed: its properties as literal types (see `defineProperties`). */
export type TypedSchema<P extends Properties, R extends string = never> = {
  readonly properties: P;
  readonly required?: readonly R[];
};

/** An entry's own config keys as its code sees them after validation and defaults (typed from its schema). */
export type OwnConfig<P extends Properties, R extends string = never> = Resolved<P, R>;

/** A problem an entry finds in its config: the key (in the entry's section) it is about, what is wrong, a hint. */
export interface EntryProblem {
  key: string;
  message: string;
  hint?: string | undefined;
}

export class Registry<T extends Descriptor> {
  private readonly entries = new Map<string, T>();

  constructor(
    readonly kind: string,
    entries: readonly T[] = [],
  ) {
    for (const e of entries) this.register(e);
  }

  /** Adds an entry; a name registered twice is a programming error and throws. */
  register(entry: T): void {
    if (this.entries.has(entry.name)) {
      throw new Error(`${this.kind} registry: '${entry.name}' is already registered; each name must be unique`);
    }
    this.entries.set(entry.name, entry);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry called `name`; an unknown name throws with the registered list and a suggestion. */
  get(name: string): T {
    const e = this.entries.get(name);
    if (!e) {
      throw new ScgError(
        'BAD_INPUT',
        `'${name}' is not in the ${this.kind} registry; registered: ${this.names().join(', ')}`,
        {
          hint: `${didYouMean(name, this.names())}see \`scg list ${this.kind}\``,
        },
      );
    }
    return e;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  list(): T[] {
    return [...this.entries.values()];
  }
}
