// `scg doctor`'s report: the compute backend scg picks here, libtorch, GPUs, threads, versions and the store path.
import {isServerStore} from '../store/sql';
import {redact} from '../store/postgres-db';
import {execFileSync} from 'node:child_process';
import * as os from 'node:os';
import {type BackendChoice, type BackendInfo, describeBackend, initBackend} from '../core/backend';
import {provenance} from '../core/provenance';

export interface DoctorReport {
  backend: BackendInfo;
  cores: number;
  versions: Record<string, string>;
  db: string;
  /** Whether the PostgreSQL store's client loads ('loaded'), else why not. */
  postgres: string;
  platform: string;
  gpus: string[];
}

/** GPU names from nvidia-smi, when the machine has it (libtorch itself only counts devices). */
function gpuNames(): string[] {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** pg-native, the optional client of PostgreSQL stores: 'loaded', or what is missing and how to add it. */
function pgNativeStatus(): string {
  try {
    require('pg-native');
    return 'loaded';
  } catch {
    return 'not installed (apt-get install libpq-dev, then npm ci; SQLite stores need nothing)';
  }
}

/** Loads the backend that `backend` and `device` ask for, and reports on it and the machine. */
export async function doctorReport(backend: BackendChoice, device: string, db: string): Promise<DoctorReport> {
  const info = await initBackend(backend, {device});
  return {
    backend: info,
    cores: os.availableParallelism(),
    versions: provenance().versions,
    db: isServerStore(db) ? redact(db) : db,
    postgres: pgNativeStatus(),
    platform: `${process.platform}-${process.arch}`,
    gpus: gpuNames(),
  };
}

/** The report as the lines `scg doctor` prints. */
export function doctorText(report: DoctorReport): string {
  const {backend} = report;
  const out: string[] = [];
  out.push(describeBackend(backend));
  if (backend.warning) out.push(backend.warning);
  const t = backend.torch;
  if (t) {
    out.push(
      `libtorch: ${t.version}, found by ${t.build.source} in ${t.build.libDir} (C++11 ABI ${t.build.cxx11Abi}${t.build.cuda ? ', CUDA libraries linked' : ', CPU only'})`,
    );
    out.push(
      `torch: device ${t.device}, ${t.threads} intra-op threads, oneDNN ${t.mkldnn ? 'on' : 'off'}, BLAS ${t.blas}${t.blasThreads > 0 ? ` (${t.blasThreads} threads)` : ''}, ${t.kernels} kernels`,
    );
    out.push(
      `CUDA devices libtorch sees: ${t.cudaDevices}${report.gpus.length ? ` (nvidia-smi: ${report.gpus.join(', ')})` : ''}`,
    );
  } else if (backend.torchSkipped) {
    out.push(`torch: not used: ${backend.torchSkipped}`);
  }
  if (backend.gradientPatches?.length)
    out.push(`gradients from scg (added or replaced): ${backend.gradientPatches.join(', ')}`);
  out.push(
    `cores: ${report.cores} (${backend.name === 'torch' ? 'libtorch threads its own kernels over runtime.threads cores' : 'a wasm backend computes on one thread; GAN training runs runtime.threads of them in parallel, default: cores'})`,
  );
  out.push(
    `versions: ${Object.entries(report.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(`store: ${report.db}`);
  out.push(`PostgreSQL stores (pg-native): ${report.postgres}`);
  for (const n of backend.native)
    out.push(
      `optional ${n.name}: ${n.found ? (n.loaded ? 'loaded' : `found, failed to load: ${n.error}`) : 'not installed'}`,
    );
  return out.join('\n');
}
