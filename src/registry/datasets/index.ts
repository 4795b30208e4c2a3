// The datasets registry: one line per dataset.
import {Registry} from '../registry';
import {coco} from './coco';
import {cub} from './cub';
import type {DatasetDescriptor} from './descriptor';
import {shapes} from './shapes';
import {shapesMulti} from './shapes-multi';

export const datasets = new Registry<DatasetDescriptor>('datasets', [shapes, shapesMulti, cub, coco]);
