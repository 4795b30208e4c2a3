// Shared pretraining: a run whose pretraining config equals a stored run's takes that run's trained encoders
// (its final pretraining checkpoint and metrics) instead of training the same encoders again.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import {storedConfig} from '../config/load';
import type {ExperimentConfig} from '../config/types';
import {type Checkpoint, readCheckpoint, rewriteCheckpoint} from '../core/checkpoint';
import {hostName} from '../core/host';
import {canonicalJson} from '../core/identity';
import {processAlive} from '../core/process-alive';
import {ScgError} from '../errors';
import type {CheckpointRow, RunRow, Store} from '../store/store';
import {runVocabulary} from './pretrained-encoders';
import {InterruptedError, type RunContext} from './phase-loop';

/** The run's parameter that names the run whose pretraining it took. */
export const SHARED_FROM_PARAM = 'shared.pretrainFrom';

/**
 * What the pretraining phase reads of a config, and so what two runs must agree on to share it: the seed and the
 * dataset, encoders, contrastive and pretrain sections (the backbone, GAN training and evaluation play no part;
 * runtime settings change speed only). The contrastive section is taken whole, λ2 included, which may keep apart
 * runs that could share, never the other way round.
 */
export function pretrainingKey(config: ExperimentConfig): string {
  const {seed, dataset, encoders, contrastive, pretrain} = config;
  return crypto
    .createHash('sha256')
    .update(canonicalJson({seed, dataset, encoders, contrastive, pretrain}))
    .digest('hex')
    .slice(0, 16);
}

/** Whether a run trains its own encoders in a pretrain phase (the only kind whose pretraining can be shared). */
function pretrains(config: ExperimentConfig): boolean {
  return config.phases.includes('pretrain') && !config.train.encodersFrom;
}

/** Whether the run's final pretraining checkpoint exists. */
function pretrained(store: Store, run: RunRow, config: ExperimentConfig): boolean {
  return (store.latestCheckpoint(run.id, 'pretrain')?.step ?? -1) >= config.pretrain.steps;
}

/** A run still training (its process alive here, or its heartbeat recent elsewhere) that has not left pretraining. */
function stillPretraining(run: RunRow, host: string): boolean {
  if (run.status !== 'running' || (run.phase !== null && run.phase !== 'pretrain')) return false;
  if (run.host === host) return run.pid !== null && processAlive(run.pid);
  const beat = run.heartbeat_at ? Date.parse(run.heartbeat_at) : 0;
  return Date.now() - beat < 120_000;
}

/** Started before `b` (ties broken by id): only such runs are waited for, so two runs never wait for each other. */
function earlier(a: RunRow, b: RunRow): boolean {
  const [ta, tb] = [a.started_at ?? a.created_at, b.started_at ?? b.created_at];
  return ta < tb || (ta === tb && a.id < b.id);
}

type Donor = {kind: 'ready'; run: RunRow} | {kind: 'wait'; run: RunRow} | undefined;

/** A stored run with the same pretraining that has finished it, else an earlier one still at it, else none. */
function findDonor(ctx: RunContext, key: string, skip: ReadonlySet<string>): Donor {
  const host = hostName();
  let wait: RunRow | undefined;
  for (const run of ctx.store.listRuns()) {
    if (run.id === ctx.run.id || run.status === 'failed' || skip.has(run.id)) continue;
    const config = storedConfig(run.config_json);
    if (!pretrains(config) || pretrainingKey(config) !== key) continue;
    if (pretrained(ctx.store, run, config)) return {kind: 'ready', run};
    else if (!wait && stillPretraining(run, host) && earlier(run, ctx.run)) wait = run;
  }
  return wait ? {kind: 'wait', run: wait} : undefined;
}

/**
 * For a run that has not begun its pretraining: takes the encoders of a stored run with the same pretraining key
 * (waiting for an earlier run that is training them right now). The donor's final checkpoint is written into this
 * run's folder under this run's name; its pretraining metrics and the `shared.pretrainFrom` param are stored in one
 * transaction with the checkpoint row; the run's pretrain phase then finds itself complete. Returns the donor's id, or undefined
 * when there is none (the run pretrains itself).
 */
export async function adoptPretraining(ctx: RunContext, pollSeconds = 2): Promise<string | undefined> {
  if (!pretrains(ctx.config) || ctx.store.latestCheckpoint(ctx.run.id, 'pretrain')) return undefined;
  const key = pretrainingKey(ctx.config);
  const skip = new Set<string>();
  let said = '';
  for (;;) {
    const donor = findDonor(ctx, key, skip);
    if (!donor) return undefined;
    if (donor.kind === 'ready') {
      const found = readDonor(ctx, donor.run);
      if ('ckpt' in found) return copyPretraining(ctx, donor.run, found);
      ctx.log(`pretrain: run ${donor.run.id} has the same pretraining, but ${found.why}; looking further`);
      skip.add(donor.run.id);
      continue;
    }
    const line = `pretrain: waiting for run ${donor.run.id}, which is training the same encoders (pretraining key ${key})`;
    if (line !== said) ctx.log(line);
    said = line;
    // Nothing of the phase exists yet: the run stops here, and adopts (or pretrains) when it is run again.
    if (ctx.stopRequested()) throw new InterruptedError('pretrain', 0);
    await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
  }
}

/** A finished donor's final checkpoint, verified; or why it cannot be copied (folder gone or damaged, another vocabulary). */
function readDonor(ctx: RunContext, donor: RunRow): {ckpt: Checkpoint; row: CheckpointRow} | {why: string} {
  try {
    if (runVocabulary(donor).words.join('\n') !== ctx.dataset.vocab.words.join('\n'))
      return {why: 'its vocabulary differs'};
    const row = ctx.store.latestCheckpoint(donor.id, 'pretrain')!;
    return {ckpt: readCheckpoint(row.path, row.sha256), row};
  } catch (err) {
    if (err instanceof ScgError) return {why: err.message};
    throw err;
  }
}

function copyPretraining(ctx: RunContext, donor: RunRow, {ckpt, row}: {ckpt: Checkpoint; row: CheckpointRow}): string {
  const file = path.join(ctx.runDir, 'checkpoints', path.basename(row.path));
  const written = rewriteCheckpoint(ckpt, file, {runId: ctx.run.id, configHash: ctx.configHash});
  const metrics = ctx.store.metrics(donor.id).filter((m) => m.phase === 'pretrain');
  ctx.store.commitCheckpoint(ctx.run.id, {phase: 'pretrain', step: row.step, path: file, ...written}, metrics, {
    [SHARED_FROM_PARAM]: donor.id,
  });
  ctx.log(
    `pretrain: shared with run ${donor.id} (same seed, dataset, encoders, contrastive and pretrain sections): its encoders at step ${row.step} and its pretraining metrics are copied, nothing is trained again`,
  );
  return donor.id;
}
