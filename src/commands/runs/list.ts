// `scg runs list`: the runs in the store, newest last.
import {Flags} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../../cli/base-command';
import {type RunStatus, shownStatus, Store} from '../../store/store';
import {hostName} from '../../core/host';

export default class RunsList extends BaseCommand {
  static override summary = 'List tracked runs';
  static override examples = [
    '<%= config.bin %> runs list',
    '<%= config.bin %> runs list --experiment pretrain-shapes --status completed --json',
  ];
  static override flags = {
    ...storeFlags,
    experiment: Flags.string({description: 'only runs of this experiment name'}),
    status: Flags.string({
      description: 'only runs with this status (stale: marked running, but its process on this host is gone)',
      options: ['queued', 'running', 'stale', 'completed', 'failed', 'interrupted'],
    }),
  };

  async run(): Promise<object[]> {
    const {flags} = await this.parse(RunsList);
    const store = Store.openExisting(dbPathOf(flags.db));
    try {
      const stored = flags.status === 'stale' ? 'running' : (flags.status as RunStatus | undefined);
      const rows = store
        .listRuns({experiment: flags.experiment, status: stored})
        .map((r) => ({
          id: r.id,
          experiment: r.experiment,
          status: shownStatus(r, hostName()),
          phase: r.phase,
          step: r.step,
          backend: r.backend,
          created: r.created_at,
          ended: r.ended_at,
        }))
        .filter((r) => flags.status === undefined || r.status === flags.status);
      if (!this.jsonEnabled()) {
        if (rows.length === 0) this.log('no runs yet: start one with `scg run configs/pretrain.yaml`');
        for (const r of rows)
          this.log(
            `${r.id}  ${r.status.padEnd(11)} ${r.experiment}  ${r.phase ?? '-'} ${r.step ?? '-'}  ${r.backend ?? ''}  ${r.created}`,
          );
      }
      return rows;
    } finally {
      store.close();
    }
  }
}
