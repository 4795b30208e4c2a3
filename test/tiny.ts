// Tiny seeded experiments for tests: the fixture config, optionally overridden, plus its dataset.
import * as path from 'node:path';
import {loadConfig} from '../src/config/load';
import {ExperimentConfig} from '../src/config/types';
import {Dataset} from '../src/data/dataset';
import {datasets} from '../src/registry';

export const TINY_CONFIG = path.resolve(__dirname, '../../test/fixtures/tiny.yaml');

export async function tinyExperiment(sets: string[] = []): Promise<{config: ExperimentConfig; dataset: Dataset}> {
  const {config} = loadConfig(TINY_CONFIG, sets);
  return {config, dataset: await datasets.get(config.dataset.name).build(config.dataset)};
}
