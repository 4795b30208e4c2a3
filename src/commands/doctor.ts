// `scg doctor`: which compute backend scg picks here, threads, versions, store path, libtorch, optional native packages.
import {Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../cli/base-command';
import {doctorReport, type DoctorReport, doctorText} from '../cli/doctor-report';
import type {BackendChoice} from '../core/backend';

export default class Doctor extends BaseCommand {
  static override summary =
    'Show the compute backend scg chooses, libtorch, threads, versions, the store path and optional native packages';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --backend wasm --json',
    '<%= config.bin %> doctor --device cuda',
  ];
  static override flags = {
    ...storeFlags,
    backend: Flags.string({
      description: 'backend to try',
      options: ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'],
      default: 'auto',
    }),
    device: Flags.string({description: 'torch device to try: auto | cpu | cuda | cuda:N', default: 'auto'}),
  };

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(Doctor);
    const report = await doctorReport(flags.backend as BackendChoice, flags.device, dbPathOf(flags.db));
    if (!this.jsonEnabled()) this.log(doctorText(report));
    return report;
  }
}
