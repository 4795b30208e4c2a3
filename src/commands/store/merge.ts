// `scg store merge`: joins per-node stores (a sweep split across machines) into one, idempotently.
import {Flags} from '@oclif/core';
import {artifactsFlag, BaseCommand} from '../../cli/base-command';
import {ScgError} from '../../errors';
import {mergeStores} from '../../store/merge';

export default class StoreMerge extends BaseCommand {
  static override summary =
    'Merge per-node stores into one: runs with their metrics, checkpoints and folders, protocols, sweep cells';
  static override description =
    "Runs are matched by config hash: a run the target already holds is skipped (merging twice changes nothing), and a run of the same config and attempt with other results is kept as a new attempt, or refused with --strict. Run folders next to a source store (its runs/) are copied under the target's runs/. A sweep cell is taken from the store where it got furthest.";
  static override examples = [
    '<%= config.bin %> store merge node-*/experiments.db --into experiments.db',
    '<%= config.bin %> store merge a.db b.db --into merged.db --strict',
    '<%= config.bin %> store merge node-*/experiments.db --into postgresql://scg:pw@db:5432/scg --artifacts /shared/scg',
  ];
  static override strict = false; // the sources are a list of files
  static override flags = {
    into: Flags.string({
      description: 'the store to merge into: an SQLite file (created when missing) or a postgresql:// URL',
      required: true,
    }),
    artifacts: artifactsFlag,
    strict: Flags.boolean({
      description: 'refuse, writing nothing, when a run is in two stores with different results',
    }),
  };

  async run(): Promise<object> {
    const {argv, flags} = await this.parse(StoreMerge);
    const sources = argv as string[];
    if (sources.length === 0)
      throw new ScgError('BAD_INPUT', 'no source stores given', {
        hint: 'scg store merge node-a.db node-b.db --into experiments.db',
      });
    const summaries = mergeStores(sources, flags.into, {strict: flags.strict});
    for (const s of summaries) {
      this.note(
        `${s.source}: ${s.added} runs added, ${s.updated} updated, ${s.same} already there, ${s.conflicts.length} kept as new attempts; ${s.cells} sweep cells taken`,
      );
      for (const c of s.conflicts) this.note(`  run ${c.id} ran again there with other results: kept as ${c.keptAs}`);
      if (s.missingFolders.length)
        this.note(
          `  ${s.missingFolders.length} run folders were not next to it (in its runs/); their rows keep the recorded paths`,
        );
    }
    return {into: flags.into, sources: summaries};
  }
}
