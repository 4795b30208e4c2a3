// `scg doctor`: which compute backend scg picks here, threads, versions, store path, libtorch, optional native packages.
import {execFileSync} from 'node:child_process';
import * as os from 'node:os';
import {Flags} from '@oclif/core';
import {BaseCommand, dbFlag, dbPathOf} from '../cli/base-command';
import {type BackendChoice, type BackendInfo, describeBackend, initBackend} from '../core/backend';
import {provenance} from '../core/provenance';

interface DoctorReport {
  backend: BackendInfo;
  cores: number;
  versions: Record<string, string>;
  db: string;
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

export default class Doctor extends BaseCommand {
  static override summary =
    'Show the compute backend scg chooses, libtorch, threads, versions, the store path and optional native packages';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --backend wasm --json',
    '<%= config.bin %> doctor --device cuda',
  ];
  static override flags = {
    db: dbFlag,
    backend: Flags.string({
      description: 'backend to try',
      options: ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'],
      default: 'auto',
    }),
    device: Flags.string({description: 'torch device to try: auto | cpu | cuda | cuda:N', default: 'auto'}),
  };

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(Doctor);
    const backend = await initBackend(flags.backend as BackendChoice, {device: flags.device});
    const report: DoctorReport = {
      backend,
      cores: os.availableParallelism(),
      versions: provenance().versions,
      db: dbPathOf(flags.db),
      platform: `${process.platform}-${process.arch}`,
      gpus: gpuNames(),
    };
    if (!this.jsonEnabled()) {
      this.log(describeBackend(backend));
      if (backend.warning) this.log(backend.warning);
      const t = backend.torch;
      if (t) {
        this.log(
          `libtorch: ${t.version}, found by ${t.build.source} in ${t.build.libDir} (C++11 ABI ${t.build.cxx11Abi}${t.build.cuda ? ', CUDA libraries linked' : ', CPU only'})`,
        );
        this.log(
          `torch: device ${t.device}, ${t.threads} intra-op threads, oneDNN ${t.mkldnn ? 'on' : 'off'}, BLAS ${t.blas}, ${t.kernels} kernels`,
        );
        this.log(
          `CUDA devices libtorch sees: ${t.cudaDevices}${report.gpus.length ? ` (nvidia-smi: ${report.gpus.join(', ')})` : ''}`,
        );
      } else if (backend.torchSkipped) {
        this.log(`torch: not used: ${backend.torchSkipped}`);
      }
      if (backend.gradientPatches?.length) this.log(`gradients added: ${backend.gradientPatches.join(', ')}`);
      this.log(
        `cores: ${report.cores} (${backend.name === 'torch' ? 'libtorch threads its own kernels over runtime.threads cores' : 'a wasm backend computes on one thread; GAN training runs runtime.threads of them in parallel, default: cores'})`,
      );
      this.log(
        `versions: ${Object.entries(report.versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      this.log(`store: ${report.db}`);
      for (const n of backend.native)
        this.log(
          `optional ${n.name}: ${n.found ? (n.loaded ? 'loaded' : `found, failed to load: ${n.error}`) : 'not installed'}`,
        );
    }
    return report;
  }
}
