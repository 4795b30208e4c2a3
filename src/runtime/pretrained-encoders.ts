// Loads the frozen encoders the GAN phase (and sampling) use: from a run's completed pretraining checkpoint.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {storedConfig} from '../config/load';
import {ExperimentConfig} from '../config/types';
import {ScgError} from '../errors';
import {ParamSet} from '../nn/params';
import {encoders} from '../registry';
import {EncoderConfig, EncoderPair} from '../registry/encoders/descriptor';
import {RunRow, Store} from '../store/store';
import {Vocabulary} from '../text/vocabulary';
import {readCheckpoint, restoreVariables} from './checkpoint';
import {Rng} from './rng';

export interface PretrainedEncoders {
  encoders: EncoderPair;
  params: ParamSet;
  vocab: Vocabulary;
  /** The run whose pretraining they come from. */
  sourceRun: string;
  step: number;
  /** Where they were restored from (worker threads rebuild them from it). */
  source: EncoderSource;
}

/** What rebuilds the same frozen encoders elsewhere (a data-parallel worker thread). */
export interface EncoderSource {
  config: EncoderConfig;
  vocabSize: number;
  checkpoint: string;
  sha256: string;
}

/** Builds encoders from a pretraining checkpoint (sha256-verified). */
export function encodersFromCheckpoint(src: EncoderSource): {encoders: EncoderPair; params: ParamSet} {
  const params = new ParamSet('encoders', Rng.for(0, 'unused-init'));
  const enc = encoders.get(src.config.name).build(src.config, {vocabSize: src.vocabSize, params});
  restoreVariables(readCheckpoint(src.checkpoint, src.sha256), params.variables, src.checkpoint);
  return {encoders: enc, params};
}

/** The vocabulary saved with a run. */
export function runVocabulary(run: RunRow): Vocabulary {
  const file = path.join(run.run_dir, 'vocab.json');
  if (!fs.existsSync(file)) throw new ScgError('NOT_FOUND', `run ${run.id} has no ${file}`, {hint: 'the run folder was moved or deleted'});
  return new Vocabulary((JSON.parse(fs.readFileSync(file, 'utf8')) as {words: string[]}).words);
}

/**
 * The encoders of `run` (or of `train.encodersFrom`): built with the source run's encoder config and restored
 * from its final pretraining checkpoint (sha256-verified). The source must have finished pretraining, and its
 * vocabulary must equal `vocab` when one is given (token ids have to mean the same words).
 */
export function loadPretrainedEncoders(store: Store, run: RunRow, config: ExperimentConfig, vocab?: Vocabulary): PretrainedEncoders {
  let source = run;
  if (config.train.encodersFrom) {
    const found = store.findRun(config.train.encodersFrom);
    if (!found) {
      throw new ScgError('BAD_INPUT', `train.encodersFrom: no run '${config.train.encodersFrom}' in ${store.file}`, {hint: 'see `scg runs list` for run ids'});
    }
    source = found;
  }
  const sourceConfig = storedConfig(source.config_json);
  const ckpt = store.latestCheckpoint(source.id, 'pretrain');
  if (!ckpt || ckpt.step < sourceConfig.pretrain.steps) {
    throw new ScgError('BAD_INPUT', `run ${source.id} has no completed pretraining (${ckpt ? `its last checkpoint is at step ${ckpt.step} of ${sourceConfig.pretrain.steps}` : 'no pretrain checkpoint'})`, {
      hint: source === run ? 'run the pretrain phase first' : `finish that run first: scg run <its config>`,
    });
  }
  const sourceVocab = runVocabulary(source);
  if (vocab && sourceVocab.words.join('\n') !== vocab.words.join('\n')) {
    throw new ScgError('BAD_INPUT', `train.encodersFrom: run ${source.id} was pretrained with a different vocabulary (${sourceVocab.size} words against ${vocab.size})`, {
      hint: 'the dataset section must match the run the encoders come from',
    });
  }
  const src: EncoderSource = {config: sourceConfig.encoders, vocabSize: sourceVocab.size, checkpoint: ckpt.path, sha256: ckpt.sha256};
  const {encoders: enc, params} = encodersFromCheckpoint(src);
  return {encoders: enc, params, vocab: sourceVocab, sourceRun: source.id, step: ckpt.step, source: src};
}
