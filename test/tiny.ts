// Tiny seeded experiments for tests: the fixture config, optionally overridden, plus its dataset.
import * as path from 'node:path';
import {loadConfig} from '../src/config/load';
import type {ExperimentConfig} from '../src/config/types';
import type {Dataset} from '../src/data/dataset';
import {ParamSet} from '../src/nn/params';
import {backbones, contrastiveModes, datasets} from '../src/registry';
import {trainedEncoders} from '../src/registry/encoders';
import type {EncoderPair} from '../src/registry/encoders/descriptor';
import {buildGan} from '../src/runtime/phases/gan-trainer';
import {Rng} from '../src/core/rng';

export const TINY_CONFIG = path.resolve(__dirname, '../../test/fixtures/tiny.yaml');

/** `--set` flags that make the tiny config a [pretrain, train, eval] run with a quick builtin evaluator. */
export const TINY_EVAL_SETS: readonly string[] = [
  '--set',
  'phases=[pretrain, train, eval]',
  '--set',
  'eval.samples=12',
  '--set',
  'eval.builtinSteps=10',
  '--set',
  'train.steps=2',
];

/** `--set` overrides that put backbone `name` with its tiny knobs in place of the fixture's backbone section. */
export function tinyBackbone(name: string): string {
  const knobs = Object.entries(backbones.get(name).tiny).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `backbone={name: ${name}${knobs.map((k) => `, ${k}`).join('')}}`;
}

/**
 * A built-in dataset (one that needs no folder) whose labels fit contrastive mode `mode`, chosen from the
 * registries: a new mode or dataset needs no test edit.
 */
export function datasetFor(mode: string): string {
  const needs = contrastiveModes.get(mode).needs;
  const builtIn = datasets
    .list()
    .filter((d) => !((d.schema?.['required'] as string[] | undefined) ?? []).includes('root'));
  const fits = builtIn.find((d) => (needs === 'multi' ? d.labelKind === 'multi' : d.labelKind === 'single'));
  if (!fits) throw new Error(`no built-in dataset has the labels mode ${mode} needs (${needs})`);
  return fits.name;
}

export async function tinyExperiment(sets: string[] = []): Promise<{config: ExperimentConfig; dataset: Dataset}> {
  const {config} = loadConfig(TINY_CONFIG, sets);
  return {config, dataset: await datasets.get(config.dataset.name).build(config.dataset)};
}

/** Freshly initialised (untrained) encoders for a tiny experiment: enough to exercise the GAN phase. */
export async function tinyEncoders(
  config: ExperimentConfig,
  dataset: Dataset,
): Promise<{encoders: EncoderPair; params: ParamSet}> {
  const params = new ParamSet('encoders', Rng.for(config.seed, 'init', 'pretrain'));
  return {
    encoders: await trainedEncoders(config.encoders.name).build(config.encoders, {
      vocabSize: dataset.vocab.size,
      params,
    }),
    params,
  };
}

/** The loss terms of GAN step 0 of a tiny experiment, from forward passes only, on fresh encoders. */
export async function tinyGanLosses(sets: string[] = []): Promise<Record<string, number>> {
  const {config, dataset} = await tinyExperiment(sets);
  const enc = await tinyEncoders(config, dataset);
  const trainer = buildGan(config, dataset, enc.encoders);
  const losses = trainer.losses(0);
  trainer.dispose();
  enc.params.dispose();
  return losses;
}
