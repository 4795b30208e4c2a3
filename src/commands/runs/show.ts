// `scg runs show <id>`: one run in full: status, provenance, config, last metric values, checkpoints, artifacts.
import {Args} from '@oclif/core';
import {BaseCommand, storeFlags, dbPathOf} from '../../cli/base-command';
import {shownStatus, Store} from '../../store/store';
import {hostName} from '../../core/host';

export default class RunsShow extends BaseCommand {
  static override summary = 'Show one run: status, provenance, config, latest metrics, checkpoints and artifacts';
  static override examples = [
    '<%= config.bin %> runs show 3f2a9c',
    '<%= config.bin %> runs show 3f2a9c1b0d4e5f60 --json',
  ];
  static override args = {id: Args.string({description: 'run id or a unique prefix', required: true})};
  static override flags = {...storeFlags};

  async run(): Promise<object> {
    const {args, flags} = await this.parse(RunsShow);
    const store = Store.openExisting(dbPathOf(flags.db));
    try {
      const run = store.requireRun(args.id);
      const latest: Record<string, Record<string, {step: number; value: number}>> = {};
      for (const m of store.metrics(run.id)) (latest[m.phase] ??= {})[m.key] = {step: m.step, value: m.value};
      const out = {
        ...run,
        status: shownStatus(run, hostName()),
        config: JSON.parse(run.config_json) as object,
        versions: JSON.parse(run.versions_json ?? '{}') as object,
        config_json: undefined,
        versions_json: undefined,
        latest,
        checkpoints: store.checkpoints(run.id),
        artifacts: store.artifacts(run.id),
      };
      if (!this.jsonEnabled()) {
        this.log(
          `run ${run.id}  experiment ${run.experiment}  status ${shownStatus(run, hostName())}${run.error ? `  error: ${run.error}` : ''}`,
        );
        this.log(
          `backend ${run.backend}  host ${run.host}  git ${run.git_commit?.slice(0, 10) ?? '-'}${run.git_dirty ? ' (dirty)' : ''}  started ${run.started_at}  ended ${run.ended_at ?? '-'}`,
        );
        this.log(`folder ${run.run_dir}`);
        for (const [phase, values] of Object.entries(latest)) {
          this.log(
            `${phase}: ${Object.entries(values)
              .map(([k, v]) => `${k} ${v.value.toFixed(4)} @${v.step}`)
              .join('  ')}`,
          );
        }
        for (const c of out.checkpoints)
          this.log(
            `checkpoint ${c.phase} step ${c.step}  ${c.bytes} bytes  sha256 ${c.sha256.slice(0, 12)}…  ${c.path}`,
          );
        for (const a of out.artifacts) this.log(`artifact ${a.kind} ${a.phase ?? ''} ${a.step ?? ''}  ${a.path}`);
      }
      return out;
    } finally {
      store.close();
    }
  }
}
