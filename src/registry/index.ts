// Every registry kind in one place, for `scg list`, the config schema and the pipeline.
import {backbones} from './backbones';
import {contrastiveModes} from './contrastive';
import {datasets} from './datasets';
import {encoders} from './encoders';
import {evaluators} from './evaluators';
import type {Descriptor, Registry} from './registry';

export const registries: Record<string, Registry<Descriptor>> = {
  datasets,
  backbones,
  contrastive: contrastiveModes,
  encoders,
  evaluators,
};

export {backbones, contrastiveModes, datasets, encoders, evaluators};
