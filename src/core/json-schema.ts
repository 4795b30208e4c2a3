// The TypeScript type a JSON Schema literal describes once ajv has filled its defaults: one source for both.

/**
 * A property schema as scg writes them (draft-07 subset). `defineProperties` keeps these as literal types, so
 * `Resolved` can read `type`, `enum`, `default` and `required` off them.
 */
export interface PropertySchema {
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly items?: PropertySchema;
  readonly properties?: Readonly<Record<string, PropertySchema>>;
  readonly required?: readonly string[];
  readonly description?: string;
  readonly [keyword: string]: unknown;
}

export type Properties = Readonly<Record<string, PropertySchema>>;

/**
 * Declares property schemas with their literal types kept (`type: 'integer'` rather than `string`), which is all
 * `Resolved` needs; at run time it returns its argument.
 */
export function defineProperties<const P extends Properties>(properties: P): P {
  return properties;
}

/** The value type of one property. Numeric enums read as `number`; string enums as their union. */
export type ValueOf<P> = P extends {readonly const: infer C}
  ? C
  : P extends {readonly enum: readonly (infer E)[]}
    ? E extends number
      ? number
      : E
    : P extends {readonly type: 'integer' | 'number'}
      ? number
      : P extends {readonly type: 'string'}
        ? string
        : P extends {readonly type: 'boolean'}
          ? boolean
          : P extends {readonly type: 'array'; readonly items: infer I}
            ? ValueOf<I>[]
            : P extends {readonly type: 'object'; readonly properties: infer Q extends Properties}
              ? Resolved<Q, RequiredOf<P>>
              : unknown;

type RequiredOf<S> = S extends {readonly required: readonly (infer R extends string)[]} ? R : never;

/** Keys that are always present after validation: those with a default, and those listed as required. */
type PresentKeys<P, R> = {
  [K in keyof P]: P[K] extends {readonly default: unknown} ? K : K extends R ? K : never;
}[keyof P];

type Flatten<T> = {[K in keyof T]: T[K]} & {};

/**
 * The object type of `properties` after ajv's `useDefaults`: a key with a default (or listed in `required`) is
 * present, any other key is optional.
 */
export type Resolved<P extends Properties, R extends string = never> = Flatten<
  {-readonly [K in PresentKeys<P, R>]: ValueOf<P[K]>} & {
    -readonly [K in Exclude<keyof P, PresentKeys<P, R>>]?: ValueOf<P[K]>;
  }
>;
