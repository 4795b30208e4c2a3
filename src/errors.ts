// The one error type scg throws on purpose: a code, a message that says what and where, and a hint.

/** Why an error happened; decides the exit code of the CLI. */
export type ErrorCode =
  | 'BAD_INPUT' // config, flag, dataset folder, checkpoint, argument of a library function: exit 2
  | 'NOT_FOUND' // a run, checkpoint or file the user named does not exist: exit 2
  | 'BACKEND' // a forced compute backend cannot load: exit 2
  | 'RUN_FAILED'; // the work itself failed (NaN loss, I/O error while training): exit 1

export interface ScgErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

export class ScgError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ScgErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'ScgError';
    this.code = code;
    this.hint = options.hint;
  }

  /** Exit code the CLI uses for this error: 2 for bad input of any kind, 1 for failures during the work. */
  get exitCode(): number {
    return this.code === 'RUN_FAILED' ? 1 : 2;
  }
}

/**
 * Bad argument to a library function (loss, metric, op). The message starts with the function's name,
 * in the tfjs style: `supConLoss: labels has 7 entries but features has batch 8`.
 */
export class InputError extends ScgError {
  readonly fn: string;
  constructor(fn: string, message: string, options: ScgErrorOptions = {}) {
    super('BAD_INPUT', `${fn}: ${message}`, options);
    this.name = 'InputError';
    this.fn = fn;
  }
}

/** Formats an error for a terminal: message, then the hint on its own line. */
export function formatError(err: unknown): string {
  if (err instanceof ScgError) return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
