// `scg ablate --emit slurm|shell|k8s`: a job in which each task runs one cell (`scg ablate <sweep> --cell INDEX`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {isServerStore} from '../store/sql';
import {ScgError} from '../errors';
import {stringify} from 'yaml';
import {registerSweepIn} from './register';
import type {Sweep} from './spec';

export type EmitKind = 'slurm' | 'shell' | 'k8s';

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The job script. Paths are absolute so tasks can start in any folder. `SCG` (default `npx scg`) names the
 * command, so a cluster install can point at its own scg.
 */
/** Where task INDEX keeps its own store (`--task-stores`, and always for k8s): `tasks/<INDEX>/` beside `--db`. */
function taskStore(db: string, index: string): string {
  return path.join(path.dirname(db), 'tasks', index, 'experiments.db');
}

/** The comment lines that say how to join per-task stores into `db` and report. */
function mergeLines(sweep: Sweep, db: string): string[] {
  return [
    '# When every task is done, join them and report:',
    `#   scg store merge ${taskStore(db, '*')} --into ${db}`,
    `#   scg report ${sweep.spec.name} --db ${db}`,
  ];
}

export function emitScript(
  kind: EmitKind,
  sweep: Sweep,
  dbPath: string,
  opts: {retries: number; graceSeconds: number; workers: number; taskStores?: boolean},
): string {
  const server = isServerStore(dbPath);
  refuseTaskStoresOnServer(dbPath, opts.taskStores);
  if (kind === 'k8s') return emitIndexedJob(sweep, dbPath, opts);
  const file = path.resolve(sweep.file);
  const db = server ? dbPath : path.resolve(dbPath);
  const n = sweep.cells.length;
  const taskDb = server ? '"$SCG_DB"' : opts.taskStores ? `"${taskStore(db, '$INDEX')}"` : quote(db);
  const cell = `$SCG ablate ${quote(file)} --cell "$INDEX" --db ${taskDb} --retries ${opts.retries} --grace ${opts.graceSeconds}`;
  const head = [
    `# scg sweep '${sweep.spec.name}' (spec ${sweep.specHash}): ${n} cells, one per task; each runs 'scg ablate <sweep> --cell INDEX'.`,
    `# Written by scg ablate --emit ${kind}. Cells claim themselves in the store, so a task that runs twice does no harm;`,
    '# re-run the script (or plain `scg ablate`) to finish cells that failed or were interrupted.',
    ...(server
      ? serverLines()
      : opts.taskStores
        ? [
            `# Each task writes its own store, ${taskStore(db, '<INDEX>')}, so tasks may run on any node of a shared`,
            '# file system: none opens a SQLite file another node writes.',
            ...mergeLines(sweep, db),
          ]
        : [
            '# The store is SQLite: keep it on a local disk of one machine, or on a file system with working POSIX locks.',
            '# SQLite over NFS can corrupt the database (see docs/sweeps.md, "Several machines"); across nodes, emit',
            '# with --task-stores instead.',
          ]),
  ];
  if (kind === 'slurm') {
    return [
      '#!/bin/bash',
      `#SBATCH --job-name=scg-${sweep.spec.name}`,
      `#SBATCH --array=0-${n - 1}`,
      '#SBATCH --cpus-per-task=2',
      `#SBATCH --output=${path.join(server ? artifactsRoot() : path.dirname(db), 'sweeps', sweep.spec.name, 'slurm-%A_%a.log')}`,
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

/** `--task-stores` splits an SQLite store; with a PostgreSQL store every task shares it (BAD_INPUT, nothing written). */
function refuseTaskStoresOnServer(dbPath: string, taskStores: boolean | undefined): void {
  if (taskStores && isServerStore(dbPath))
    throw new ScgError('BAD_INPUT', '--task-stores is for SQLite stores; every task shares a PostgreSQL store', {
      hint: 'drop --task-stores, or pass --db a path for per-task SQLite stores to merge',
    });
}

/** Where a server store's tasks keep run folders: SCG_ARTIFACTS, else the working directory (as the store does). */
function artifactsRoot(): string {
  return path.resolve(process.env['SCG_ARTIFACTS'] ?? '.');
}

/** The header lines of a job on a PostgreSQL store. */
function serverLines(): string[] {
  return [
    '# The store is the PostgreSQL server named by $SCG_DB, shared by every task (cells are claimed under its write lock).',
    '# Set SCG_DB (the URL, password included) and SCG_ARTIFACTS (a folder every node mounts, for run folders) in the',
    `# job's environment; this file holds neither the password nor a store path. Run folders: ${artifactsRoot()}.`,
  ];
}

/** A DNS-1123 name for Kubernetes objects: lower case, digits and '-', at most 63 characters. */
function k8sName(s: string): string {
  return `scg-${s.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * A Kubernetes Indexed Job: one completion per cell, `parallelism` = `--workers`, the cell index from
 * `JOB_COMPLETION_INDEX`. Pods may land on different nodes of a volume shared over the network, where SQLite's
 * locks cannot be trusted, so each task writes its own store (`tasks/<INDEX>/experiments.db` beside `--db`), and
 * `scg store merge` joins them into `--db` afterwards. The image and the volume claim are placeholders to adapt.
 * `backoffLimitPerIndex` needs Kubernetes 1.29 (1.28 behind a feature gate); the header says so.
 */
function emitIndexedJob(
  sweep: Sweep,
  dbPath: string,
  opts: {retries: number; graceSeconds: number; workers: number},
): string {
  const file = path.resolve(sweep.file);
  const server = isServerStore(dbPath);
  const db = server ? dbPath : path.resolve(dbPath);
  const root = server ? artifactsRoot() : path.dirname(db);
  const n = sweep.cells.length;
  const taskDb = server ? '$SCG_DB' : taskStore(db, '$JOB_COMPLETION_INDEX');
  const command = `scg ablate ${quote(file)} --cell "$JOB_COMPLETION_INDEX" --db "${taskDb}" --retries ${opts.retries} --grace ${opts.graceSeconds}`;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {name: k8sName(sweep.spec.name), labels: {'scg/sweep': k8sName(sweep.spec.name)}},
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: Math.min(opts.workers, n),
      backoffLimitPerIndex: opts.retries,
      backoffLimit: n * (opts.retries + 1),
      template: {
        metadata: {labels: {'scg/sweep': k8sName(sweep.spec.name)}},
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'scg',
              image: 'scg:latest',
              command: ['bash', '-c', command],
              workingDir: root,
              ...(server
                ? {
                    env: [
                      {name: 'SCG_DB', valueFrom: {secretKeyRef: {name: 'scg-store', key: 'url'}}},
                      {name: 'SCG_ARTIFACTS', value: root},
                      {name: 'SCG_HOST', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
                    ],
                  }
                : {}),
              resources: {requests: {cpu: '2', memory: '8Gi'}},
              volumeMounts: [{name: 'work', mountPath: root}],
            },
          ],
          volumes: [{name: 'work', persistentVolumeClaim: {claimName: 'scg-work'}}],
        },
      },
    },
  };
  return [
    `# scg sweep '${sweep.spec.name}' (spec ${sweep.specHash}): a Kubernetes Indexed Job, ${n} completions, one cell each.`,
    '# Written by scg ablate --emit k8s. Adapt the image (one with scg and its data) and the volume claim, which is',
    ...(server
      ? [
          `# mounted at ${root} so the sweep file, datasets and run folders keep their paths. Every task uses the`,
          '# PostgreSQL store whose URL the Secret scg-store (key url) holds: kubectl create secret generic scg-store',
          "# --from-literal=url=postgresql://user:password@host:5432/db. SCG_HOST is the pod's name, so claims tell pods apart.",
        ]
      : [
          `# mounted at ${root} so the sweep file, datasets and stores keep their paths. Each task writes its own store,`,
          `# ${taskDb.replace('$JOB_COMPLETION_INDEX', '<INDEX>')}, because SQLite's locks do not hold across nodes on a network volume.`,
          ...mergeLines(sweep, db),
        ]),
    '# Re-apply the job (or run scg ablate) to finish cells that failed; claimed cells are not run twice.',
    '# backoffLimitPerIndex needs Kubernetes 1.29+ (1.28 with the JobBackoffLimitPerIndex feature gate); on an older',
    '# cluster delete that line: backoffLimit alone then bounds the whole job.',
    stringify(job, {lineWidth: 0}),
  ].join('\n');
}

/**
 * `scg ablate --emit`: registers the sweep (tasks claim their cells from the store) and returns the script,
 * written to `out` (executable) when given, and a warning for the user when the job is unsafe across nodes.
 */
export function emitSweep(
  sweep: Sweep,
  dbPath: string,
  opts: {
    kind: EmitKind;
    extend: boolean;
    retries: number;
    graceSeconds: number;
    workers: number;
    taskStores: boolean;
    out: string | undefined;
  },
): {sweep: string; kind: EmitKind; cells: number; out: string | null; script: string; warning: string | null} {
  refuseTaskStoresOnServer(dbPath, opts.taskStores);
  registerSweepIn(dbPath, sweep, opts.extend);
  const script = emitScript(opts.kind, sweep, dbPath, opts);
  if (opts.out) fs.writeFileSync(opts.out, script, {mode: 0o755});
  // A Slurm array may spread over nodes; the k8s Job gives each task its own store (on an SQLite --db).
  const warning =
    opts.kind === 'slurm' && !opts.taskStores && !isServerStore(dbPath)
      ? `the array's tasks all open ${dbPath}: if Slurm may place them on several nodes, SQLite on a network file system can corrupt it. Keep the array on one node, or emit with --task-stores (each task its own store; then scg store merge)`
      : null;
  return {sweep: sweep.spec.name, kind: opts.kind, cells: sweep.cells.length, out: opts.out ?? null, script, warning};
}
