// Runs bench/reference_step.py (PyTorch, Debian's python3-torch) and reads its timing.
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {ScgError} from '../errors';

export interface TorchTiming {
  torch: string;
  threads: number;
  stepMs: number;
  imagesPerSecond: number;
}

export const TORCH_SCRIPT = path.resolve(__dirname, '../../../bench/reference_step.py');
/** Debian's python3-torch by default; SCG_PYTHON names another python (e.g. one with a pip-installed CUDA torch). */
const PYTHON = process.env['SCG_PYTHON'] || '/usr/bin/python3';

/** Why PyTorch cannot be imported by the peer's python, or null when it can (a second's check, before a long bench). */
export function torchPeerMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], {encoding: 'utf8'});
  if (r.error) return `${PYTHON} cannot run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `${PYTHON} cannot import torch: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  return null;
}

export function runTorchReference(
  res: number,
  batch: number,
  threads: number,
  steps: number,
  device = 'cpu',
): TorchTiming {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, String(res), String(batch), String(threads), String(steps), device], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) {
    const missing =
      /No module named 'torch'/.test(r.stderr ?? '') ||
      (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    throw new ScgError(
      'BAD_INPUT',
      missing
        ? `--torch needs PyTorch for ${PYTHON}, which is not installed`
        : `the PyTorch reference step failed: ${(r.stderr ?? String(r.error)).trim().split('\n').pop()}`,
      {
        hint: missing
          ? "install Debian's package: apt-get install -y python3-torch"
          : `run it by hand: ${PYTHON} ${TORCH_SCRIPT} ${res} ${batch} ${threads} ${steps}`,
      },
    );
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    torch: string;
    threads: number;
    step_ms: number;
    img_per_s: number;
  };
  return {torch: j.torch, threads: j.threads, stepMs: j.step_ms, imagesPerSecond: j.img_per_s};
}

export const ADAM_SCRIPT = path.resolve(__dirname, '../../../bench/adam_update.py');

/** PyTorch's Adam on `scg bench --adam`'s shapes (bench/adam_update.py): its version, threads and median ms. */
export function runTorchAdam(threads: number, updates: number): {torch: string; threads: number; ms: number} {
  const r = spawnSync(PYTHON, [ADAM_SCRIPT, String(threads), String(updates)], {encoding: 'utf8'});
  if (r.error || r.status !== 0)
    throw new ScgError(
      'BAD_INPUT',
      `the PyTorch Adam update failed: ${(r.stderr ?? String(r.error)).trim().split('\n').pop()}`,
      {
        hint: `run it by hand: ${PYTHON} ${ADAM_SCRIPT} ${threads} ${updates} (Debian: apt-get install -y python3-torch)`,
      },
    );
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as {torch: string; threads: number; update_ms: number};
  return {torch: j.torch, threads: j.threads, ms: j.update_ms};
}
