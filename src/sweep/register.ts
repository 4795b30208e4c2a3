// Puts a sweep's cells into the store: registered, checked unchanged, or extended.
import * as path from 'node:path';
import {ScgError} from '../errors';
import {Store} from '../store/store';
import {SweepStore} from '../store/sweeps';
import type {Sweep} from './spec';

/** Adds the sweep to the store (or checks it is unchanged, or extends it); failed cells get their retries again. */
export function registerSweep(store: Store, sweep: Sweep, extend: boolean) {
  const sweeps = new SweepStore(store);
  const reg = sweeps.register(
    {
      name: sweep.spec.name,
      file: path.resolve(sweep.file),
      specHash: sweep.specHash,
      specJson: JSON.stringify(sweep.spec),
      axes: sweep.axes,
      cells: sweep.cells.map((c) => ({index: c.index, key: c.key, assignment: c.assignment, configHash: c.configHash})),
    },
    {extend},
  );
  return reg;
}

/**
 * Registers the sweep in the store at `dbPath` (for --emit and --cell, which run no coordinator); `cell`, when
 * given, must be one of the sweep's cells.
 */
export function registerSweepIn(dbPath: string, sweep: Sweep, extend: boolean, cell?: number): void {
  if (cell !== undefined && cell >= sweep.cells.length) {
    throw new ScgError(
      'BAD_INPUT',
      `--cell ${cell}: sweep '${sweep.spec.name}' has cells 0..${sweep.cells.length - 1}`,
      {hint: `see scg ablate ${sweep.file} --dry-run`},
    );
  }
  const store = Store.open(dbPath);
  try {
    registerSweep(store, sweep, extend);
  } finally {
    store.close();
  }
}
