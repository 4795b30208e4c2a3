// Shared behaviour of scg commands: --json, and errors printed as message + hint with the right exit code.
import * as path from 'node:path';
import {Command, Flags} from '@oclif/core';
import {formatError, ScgError} from '../errors';
import {defaultDbPath, storeError} from '../store/store';
import {isWasmHeapExhausted, wasmHeapError} from '../core/wasm-heap';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** Prints a line on stderr (stdout stays clean for --json and tables). */
  protected note(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // a damaged store met mid-command is bad input too, and so is a model too big for the wasm heap
    const known =
      err instanceof ScgError
        ? err
        : (storeError(err) ?? (isWasmHeapExhausted(err) ? wasmHeapError(err, `scg ${this.id}`) : undefined));
    if (known) {
      this.note(`error: ${formatError(known)}`);
      return this.exit(known.exitCode);
    }
    // oclif's own parse errors (unknown flag, missing argument) are bad usage: exit 2 as well.
    if (err.oclif?.exit !== undefined && err.oclif.exit !== 0 && !(err as {code?: string}).code?.startsWith('EEXIT')) {
      this.note(`error: ${err.message}`);
      return this.exit(2);
    }
    return super.catch(err);
  }
}

export const dbFlag = Flags.string({
  description:
    'the store: an SQLite file path, or postgresql://user:password@host:port/db (default: $SCG_DB or ./experiments.db)',
});

/**
 * `--artifacts DIR` sets SCG_ARTIFACTS for this process and the workers it starts: where a PostgreSQL store's run
 * folders live (an SQLite store keeps them next to its file).
 */
export const artifactsFlag = Flags.string({
  description:
    'with a PostgreSQL store: the folder for run folders, shared or per node (default: $SCG_ARTIFACTS or the working directory)',
  parse: async (dir) => {
    process.env['SCG_ARTIFACTS'] = path.resolve(dir);
    return dir;
  },
});

/** `--db` and `--artifacts`, the flags of every command that opens the store. */
export const storeFlags = {db: dbFlag, artifacts: artifactsFlag};
export const setFlag = Flags.string({
  description: 'override a config value, e.g. --set contrastive.temperature=0.2 (repeatable)',
  multiple: true,
  default: [],
});

export const skipBadFlag = Flags.boolean({
  description:
    'datasets read from disk (cub, coco): leave out bad images with a warning instead of stopping (sets dataset.skipBad)',
});

/** `--set` values plus `dataset.skipBad=true` when `--skip-bad` was given. */
export function withSkipBad(sets: readonly string[], skipBad: boolean): string[] {
  return skipBad ? [...sets, 'dataset.skipBad=true'] : [...sets];
}

export function dbPathOf(flag: string | undefined): string {
  return defaultDbPath(flag);
}
