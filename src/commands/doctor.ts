// `scg doctor`: which compute backend scg picks here, threads, versions, store path, optional native packages.
import * as os from 'node:os';
import {Flags} from '@oclif/core';
import {BaseCommand, dbFlag, dbPathOf} from '../cli/base-command';
import {BackendChoice, BackendInfo, describeBackend, initBackend} from '../runtime/backend';
import {provenance} from '../runtime/provenance';

interface DoctorReport {
  backend: BackendInfo;
  cores: number;
  versions: Record<string, string>;
  db: string;
  platform: string;
}

export default class Doctor extends BaseCommand {
  static override summary = 'Show the compute backend scg chooses, threads, versions, the store path and optional native packages';
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --backend wasm --json'];
  static override flags = {
    db: dbFlag,
    backend: Flags.string({description: 'backend to try', options: ['auto', 'tensorflow', 'wasm', 'cpu'], default: 'auto'}),
  };

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(Doctor);
    const backend = await initBackend(flags.backend as BackendChoice);
    const report: DoctorReport = {
      backend, cores: os.availableParallelism(), versions: provenance().versions, db: dbPathOf(flags.db), platform: `${process.platform}-${process.arch}`,
    };
    if (!this.jsonEnabled()) {
      this.log(describeBackend(backend));
      if (backend.warning) this.log(backend.warning);
      if (backend.gradientPatches?.length) this.log(`gradients added: ${backend.gradientPatches.join(', ')}`);
      this.log(`cores: ${report.cores} (a wasm backend computes on one thread; GAN training runs runtime.threads of them in parallel, default: cores)`);
      this.log(`versions: ${Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      this.log(`store: ${report.db}`);
      for (const n of backend.native) this.log(`optional ${n.name}: ${n.found ? (n.loaded ? 'loaded' : `found, failed to load: ${n.error}`) : 'not installed'}`);
    }
    return report;
  }
}
