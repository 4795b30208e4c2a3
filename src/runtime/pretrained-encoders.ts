// Loads the frozen encoders the GAN phase (and sampling) use: from a run's completed pretraining checkpoint, or
// from the folder of an encoder entry that loads files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {storedConfig} from '../config/load';
import type {ExperimentConfig} from '../config/types';
import {ScgError} from '../errors';
import {ParamSet} from '../nn/params';
import {encoders} from '../registry';
import {trainedEncoders} from '../registry/encoders';
import type {EncoderConfig, EncoderPair, LoadedEncoders} from '../registry/encoders/descriptor';
import type {RunRow, Store} from '../store/store';
import {Vocabulary} from '../text/vocabulary';
import {writeFileAtomic} from '../core/atomic-write';
import {readCheckpoint, restoreVariables} from '../core/checkpoint';
import {Rng} from '../core/rng';

export interface PretrainedEncoders {
  encoders: EncoderPair;
  vocab: Vocabulary;
  /** Where they come from, for logs: a run's pretraining step, or a folder and its hash. */
  origin: string;
  /** What rebuilds the same frozen encoders elsewhere (a data-parallel worker thread). */
  source: EncoderSource;
  /** Dataset words a loaded model does not know (empty for pretrained encoders). */
  unknownWords: string[];
  dispose(): void;
}

/** What rebuilds the same frozen encoders elsewhere: a pretraining checkpoint, or a folder the encoder entry loads. */
export type EncoderSource =
  | {kind: 'checkpoint'; config: EncoderConfig; vocabSize: number; checkpoint: string; sha256: string}
  | {kind: 'files'; config: EncoderConfig; vocabWords: readonly string[]; maxWords: number};

/** What pretraining checkpoints record about the frozen files an encoder pair loaded (nothing if it loaded none). */
export function frozenWeightsExtra(enc: EncoderPair): {frozenSha256?: string} {
  return enc.frozenSha256 === undefined ? {} : {frozenSha256: enc.frozenSha256};
}

/**
 * Builds encoders from a pretraining checkpoint (sha256-verified). Frozen files the pair loads besides the
 * checkpoint (an Inception-v3 trunk) must be the ones pretraining used: the projections were trained on them.
 */
async function encodersFromCheckpoint(src: Extract<EncoderSource, {kind: 'checkpoint'}>): Promise<LoadedEncoders> {
  const ckpt = readCheckpoint(src.checkpoint, src.sha256);
  const params = new ParamSet('encoders', Rng.for(0, 'unused-init'));
  let enc: EncoderPair | undefined;
  try {
    enc = await trainedEncoders(src.config.name).build(src.config, {vocabSize: src.vocabSize, params});
    const trained = ckpt.header.extra['frozenSha256'];
    if (trained !== enc.frozenSha256) {
      const sha = (v: unknown) => (typeof v === 'string' ? `sha256 ${v.slice(0, 12)}` : 'none');
      throw new ScgError(
        'BAD_INPUT',
        `encoders.inceptionPath: the frozen weights differ from the ones pretraining used (${sha(trained)} then, ${sha(enc.frozenSha256)} now; checkpoint ${src.checkpoint})`,
        {hint: 'put back the folder the encoders were pretrained with, or pretrain again'},
      );
    }
    restoreVariables(ckpt, params.variables, src.checkpoint);
  } catch (err) {
    enc?.dispose?.();
    params.dispose();
    throw err;
  }
  const pair = enc;
  return {
    encoders: pair,
    unknownWords: [],
    sha256: src.sha256,
    dispose: () => {
      pair.dispose?.();
      params.dispose();
    },
  };
}

/** Rebuilds the frozen encoders `src` describes. */
export async function encodersFromSource(src: EncoderSource): Promise<LoadedEncoders> {
  if (src.kind === 'checkpoint') return encodersFromCheckpoint(src);
  const entry = encoders.get(src.config.name);
  if (entry.kind !== 'files') throw new Error(`encoders '${entry.name}' are not loaded from files`);
  return entry.load(src.config, {vocab: new Vocabulary(src.vocabWords), maxWords: src.maxWords});
}

/**
 * The run whose completed pretraining the GAN phase takes its encoders from (`run`, or `train.encodersFrom`), with
 * its final pretraining checkpoint and vocabulary. `run` undefined: the check before a new run exists (then
 * only `train.encodersFrom` is looked at). Unknown run, unfinished pretraining or another vocabulary: BAD_INPUT.
 */
export function pretrainingSource(
  store: Store | undefined,
  run: RunRow | undefined,
  config: ExperimentConfig,
  vocab?: Vocabulary,
) {
  let source = run;
  if (config.train.encodersFrom) {
    const found = store?.findRun(config.train.encodersFrom);
    if (!found) {
      throw new ScgError(
        'BAD_INPUT',
        `train.encodersFrom: no run '${config.train.encodersFrom}' in ${store?.file ?? 'the store (it does not exist yet)'}`,
        {hint: 'see `scg runs list` for run ids'},
      );
    }
    source = found;
  }
  if (!source || !store) throw new Error('pretrainingSource: no run to take the encoders from');
  const sourceConfig = storedConfig(source.config_json);
  const ckpt = store.latestCheckpoint(source.id, 'pretrain');
  if (!ckpt || ckpt.step < sourceConfig.pretrain.steps) {
    throw new ScgError(
      'BAD_INPUT',
      `run ${source.id} has no completed pretraining (${ckpt ? `its last checkpoint is at step ${ckpt.step} of ${sourceConfig.pretrain.steps}` : 'no pretrain checkpoint'})`,
      {
        hint: source === run ? 'run the pretrain phase first' : `finish that run first: scg run <its config>`,
      },
    );
  }
  const sourceVocab = runVocabulary(source);
  if (vocab && sourceVocab.words.join('\n') !== vocab.words.join('\n')) {
    throw new ScgError(
      'BAD_INPUT',
      `train.encodersFrom: run ${source.id} was pretrained with a different vocabulary (${sourceVocab.size} words against ${vocab.size})`,
      {
        hint: 'the dataset section must match the run the encoders come from',
      },
    );
  }
  return {source, sourceConfig, ckpt, sourceVocab};
}

/** A JSON file scg wrote into a run folder; a damaged one is a BAD_INPUT error naming it. */
function runJson<T>(run: RunRow, file: string, valid: (v: Record<string, unknown>) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    value = err;
  }
  if (!value || typeof value !== 'object' || value instanceof Error || !valid(value as Record<string, unknown>)) {
    throw new ScgError(
      'BAD_INPUT',
      `${file} of run ${run.id} is damaged${value instanceof Error ? ` (${value.message})` : ''}`,
      {
        hint: 'scg wrote it when the run started; restore the run folder from a copy, or re-run its config with --force',
      },
    );
  }
  return value as T;
}

/** The vocabulary saved with a run. */
export function runVocabulary(run: RunRow): Vocabulary {
  const file = path.join(run.run_dir, 'vocab.json');
  if (!fs.existsSync(file))
    throw new ScgError('NOT_FOUND', `run ${run.id} has no ${file}`, {hint: 'the run folder was moved or deleted'});
  return new Vocabulary(runJson<{words: string[]}>(run, file, (v) => Array.isArray(v.words)).words);
}

/**
 * The frozen encoders of `run`'s GAN phase. Encoders loaded from files come from the config's folder, for the
 * run's vocabulary. Trained ones come from the run's (or `train.encodersFrom`'s) final pretraining checkpoint,
 * sha256-verified, built with that run's encoder config. The source must have finished pretraining, and its
 * vocabulary must equal `vocab` when one is given (token ids have to mean the same words).
 */
export async function loadPretrainedEncoders(
  store: Store,
  run: RunRow,
  config: ExperimentConfig,
  vocab?: Vocabulary,
): Promise<PretrainedEncoders> {
  if (encoders.get(config.encoders.name).kind === 'files') {
    const words = vocab ?? runVocabulary(run);
    const src: EncoderSource = {
      kind: 'files',
      config: config.encoders,
      vocabWords: words.words,
      maxWords: config.dataset.maxWords,
    };
    const loaded = await encodersFromSource(src);
    // The run remembers which files it trained with; sampling or evaluating it later must see the same ones.
    const record = path.join(run.run_dir, 'encoders.json');
    const recorded = fs.existsSync(record)
      ? runJson<{sha256: string}>(run, record, (v) => typeof v.sha256 === 'string').sha256
      : undefined;
    if (recorded !== undefined && recorded !== loaded.sha256) {
      loaded.dispose();
      throw new ScgError(
        'BAD_INPUT',
        `encoders.path: the files in ${String(config.encoders['path'])} changed since run ${run.id} used them (sha256 ${recorded.slice(0, 12)} then, ${loaded.sha256.slice(0, 12)} now)`,
        {
          hint: 'put back the encoder the run trained with',
        },
      );
    }
    if (recorded === undefined)
      writeFileAtomic(record, `${JSON.stringify({path: config.encoders['path'], sha256: loaded.sha256}, null, 2)}\n`);
    return {
      ...loaded,
      vocab: words,
      origin: `${String(config.encoders['path'])} (sha256 ${loaded.sha256.slice(0, 12)})`,
      source: src,
    };
  }
  const {source, sourceConfig, ckpt, sourceVocab} = pretrainingSource(store, run, config, vocab);
  const src: EncoderSource = {
    kind: 'checkpoint',
    config: sourceConfig.encoders,
    vocabSize: sourceVocab.size,
    checkpoint: ckpt.path,
    sha256: ckpt.sha256,
  };
  return {
    ...(await encodersFromCheckpoint(src)),
    vocab: sourceVocab,
    origin: `run ${source.id}, pretraining step ${ckpt.step}`,
    source: src,
  };
}
