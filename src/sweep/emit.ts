// `scg ablate --emit slurm|shell`: a script in which each task runs one cell (`scg ablate <sweep> --cell INDEX`) against one store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {registerSweepIn} from './register';
import type {Sweep} from './spec';

export type EmitKind = 'slurm' | 'shell';

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The job script. Paths are absolute so tasks can start in any folder. `SCG` (default `npx scg`) names the
 * command, so a cluster install can point at its own scg.
 */
export function emitScript(
  kind: EmitKind,
  sweep: Sweep,
  dbPath: string,
  opts: {retries: number; graceSeconds: number},
): string {
  const file = path.resolve(sweep.file);
  const db = path.resolve(dbPath);
  const n = sweep.cells.length;
  const cell = `$SCG ablate ${quote(file)} --cell "$INDEX" --db ${quote(db)} --retries ${opts.retries} --grace ${opts.graceSeconds}`;
  const head = [
    `# scg sweep '${sweep.spec.name}' (spec ${sweep.specHash}): ${n} cells, one per task; each runs 'scg ablate <sweep> --cell INDEX'.`,
    `# Written by scg ablate --emit ${kind}. Cells claim themselves in the store, so a task that runs twice does no harm;`,
    '# re-run the script (or plain `scg ablate`) to finish cells that failed or were interrupted.',
    '# The store is SQLite: keep it on a local disk of one machine, or on a file system with working POSIX locks.',
    '# SQLite over NFS can corrupt the database (see docs/sweeps.md, "Several machines").',
  ];
  if (kind === 'slurm') {
    return [
      '#!/bin/bash',
      `#SBATCH --job-name=scg-${sweep.spec.name}`,
      `#SBATCH --array=0-${n - 1}`,
      '#SBATCH --cpus-per-task=2',
      `#SBATCH --output=${path.join(path.dirname(db), 'sweeps', sweep.spec.name, 'slurm-%A_%a.log')}`,
      ...head,
      'set -euo pipefail',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion in the emitted script
      'SCG="${SCG:-npx scg}"',
      'INDEX="$SLURM_ARRAY_TASK_ID"',
      cell,
      '',
    ].join('\n');
  }
  return [
    '#!/usr/bin/env bash',
    ...head,
    '# JOBS (default 1) cells run at a time.',
    'set -uo pipefail',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion in the emitted script
    'SCG="${SCG:-npx scg}"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion in the emitted script
    'JOBS="${JOBS:-1}"',
    'status=0',
    `run_cell() { INDEX="$1"; ${cell}; }`,
    'export -f run_cell; export SCG',
    `seq 0 ${n - 1} | xargs -P "$JOBS" -I{} bash -c 'run_cell {}' || status=$?`,
    'exit "$status"',
    '',
  ].join('\n');
}

/**
 * `scg ablate --emit`: registers the sweep (tasks claim their cells from the store) and returns the script,
 * written to `out` (executable) when given.
 */
export function emitSweep(
  sweep: Sweep,
  dbPath: string,
  opts: {kind: EmitKind; extend: boolean; retries: number; graceSeconds: number; out: string | undefined},
): {sweep: string; kind: EmitKind; cells: number; out: string | null; script: string} {
  registerSweepIn(dbPath, sweep, opts.extend);
  const script = emitScript(opts.kind, sweep, dbPath, {retries: opts.retries, graceSeconds: opts.graceSeconds});
  if (opts.out) fs.writeFileSync(opts.out, script, {mode: 0o755});
  return {sweep: sweep.spec.name, kind: opts.kind, cells: sweep.cells.length, out: opts.out ?? null, script};
}
